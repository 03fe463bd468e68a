"""S4 — probes: the cluster sits in the stack's security group, which exists with the two subnets."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.registry import values_of
from tapcheck.requirements.unit import probe, values

PARAMETER = values(__file__)["security_group_parameter"]


@probe("security-group", title="the cluster is in the stack's security group; that group and the two subnets exist")
def security_group(ctx: Context) -> str:
    wanted = ctx.parameters.get(PARAMETER)
    expect(bool(wanted), f"the stack has no {PARAMETER} parameter value")
    groups = ctx.cluster.get("VpcSecurityGroups") or []
    active = sorted(g["VpcSecurityGroupId"] for g in groups if g.get("Status", "active") == "active")
    expect(active == [wanted], f"the cluster's active security groups are {active}, not [{wanted}]")
    ec2 = ctx.target.client("ec2")
    # Looked up through the group-id / subnet-id filters, which select what exists: naming an absent
    # group among GroupIds instead "returns a fault" for the whole call
    # (https://docs.aws.amazon.com/sdkfornet1/latest/apidocs/html/M_Amazon_EC2_AmazonEC2_DescribeSecurityGroups.htm;
    # the filters are listed in the EC2 API reference of DescribeSecurityGroups and DescribeSubnets,
    # read in the SDK copy https://docs.rs/aws-sdk-ec2/latest/aws_sdk_ec2/operation/describe_subnets/struct.DescribeSubnetsInput.html).
    found = ec2.describe_security_groups(Filters=[{"Name": "group-id", "Values": [wanted]}])["SecurityGroups"]
    expect(len(found) == 1, f"security group {wanted}, the cluster's, does not exist (EC2 DescribeSecurityGroups)")
    subnet_ids = [ctx.parameters.get(p, "") for p in values_of("R5")["subnet_parameters"]]
    subnets = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": subnet_ids}])["Subnets"]
    gone = sorted(set(subnet_ids) - {s["SubnetId"] for s in subnets})
    expect(not gone, f"subnet(s) {gone} of the stack's parameters do not exist (EC2 DescribeSubnets)")
    vpcs = {found[0]["VpcId"]} | {s["VpcId"] for s in subnets}
    expect(len(vpcs) == 1, f"the security group and the subnets are in different VPCs: {sorted(vpcs)}")
    return f"{wanted} in {found[0]['VpcId']} with subnets {sorted(subnet_ids)}"
