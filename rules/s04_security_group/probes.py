"""S4 — probes: the cluster sits in the stack's security group, which exists with the two subnets."""

from __future__ import annotations

from tapcheck.live.context import Context, check
from tapcheck.requirements.registry import values_of
from tapcheck.requirements.unit import probe, values

PARAMETER = values(__file__)["security_group_parameter"]


@probe("security-group", title="the cluster is in the stack's security group; that group and the two subnets exist")
def security_group(ctx: Context) -> str:
    wanted = ctx.parameters.get(PARAMETER)
    check(bool(wanted), f"the stack has no {PARAMETER} parameter value")
    groups = ctx.cluster.get("VpcSecurityGroups") or []
    active = sorted(g["VpcSecurityGroupId"] for g in groups if g.get("Status", "active") == "active")
    check(active == [wanted], f"the cluster's active security groups are {active}, not [{wanted}]")
    ec2 = ctx.target.client("ec2")
    found = ec2.describe_security_groups(GroupIds=[wanted])["SecurityGroups"]
    check(len(found) == 1, f"security group {wanted} does not exist")
    subnet_ids = [ctx.parameters.get(p, "") for p in values_of("R5")["subnet_parameters"]]
    subnets = ec2.describe_subnets(SubnetIds=subnet_ids)["Subnets"]
    check(sorted(s["SubnetId"] for s in subnets) == sorted(subnet_ids), f"subnets {subnet_ids} do not all exist")
    vpcs = {found[0]["VpcId"]} | {s["VpcId"] for s in subnets}
    check(len(vpcs) == 1, f"the security group and the subnets are in different VPCs: {sorted(vpcs)}")
    return f"{wanted} in {found[0]['VpcId']} with subnets {sorted(subnet_ids)}"
