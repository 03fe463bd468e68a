"""Deploy, describe and destroy a stack on a target. Deploy never gates on the static
checks: a non-compliant template must deploy so that the probes see what it really is."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tapcheck.errors import UsageError
from tapcheck.live.target import Target

NETWORK_TAG = "tapcheck:network-for"
NETWORK_PARAMS = ("SubnetId1", "SubnetId2", "VpcSecurityGroupId")
LOCAL_WAIT_S = 120.0
AWS_WAIT_S = 3600.0


class DeployFailed(Exception):
    """The stack did not reach CREATE_COMPLETE. `resource` and `reason` name the cause."""

    def __init__(self, stack: str, status: str, resource: str, reason: str) -> None:
        super().__init__(f"{stack}: {status}: {resource}: {reason}")
        self.stack, self.status, self.resource, self.reason = stack, status, resource, reason


@dataclass
class Deployed:
    stack_name: str
    stack_id: str
    outputs: dict[str, str]
    seconds: float


def _error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def describe(target: Target, stack_name: str) -> dict[str, Any]:
    """The live stack, or a UsageError when there is no such stack."""
    from botocore.exceptions import ClientError

    try:
        stacks = target.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as e:
        if "does not exist" in str(e):
            raise UsageError(f"stack {stack_name}", f"does not exist on target {target.name}",
                             "check --stack-name and --target") from None
        raise
    return stacks[0]


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def read_template(path: str | Path) -> tuple[str, dict[str, Any]]:
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise UsageError(str(p), f"cannot read template: {e.strerror}", "pass an existing file") from None
    try:
        doc = json.loads(text)
    except ValueError:
        try:
            import yaml

            doc = yaml.safe_load(text)
        except Exception:  # noqa: BLE001
            doc = None
    if not isinstance(doc, dict) or "Resources" not in doc:
        raise UsageError(str(p), "not a CloudFormation template (no Resources)", "pass a JSON or YAML template")
    return text, doc


def ensure_network(target: Target, stack_name: str) -> dict[str, str]:
    """Local target only: a VPC, two subnets in two AZs and a security group for the stack."""
    ec2 = target.client("ec2")
    tags = [{"Key": NETWORK_TAG, "Value": stack_name}]
    spec = lambda kind: [{"ResourceType": kind, "Tags": tags}]  # noqa: E731
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]["VpcId"]
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=az,
                          TagSpecifications=spec("subnet"))["Subnet"]["SubnetId"]
        for i, az in enumerate(azs, start=1)
    ]
    sg = ec2.create_security_group(GroupName=f"{stack_name}-db", Description="tapcheck database access",
                                   VpcId=vpc, TagSpecifications=spec("security-group"))["GroupId"]
    return {"SubnetId1": subnets[0], "SubnetId2": subnets[1], "VpcSecurityGroupId": sg}


def delete_network(target: Target, stack_name: str) -> None:
    if not target.local:
        return
    ec2 = target.client("ec2")
    filt = [{"Name": f"tag:{NETWORK_TAG}", "Values": [stack_name]}]
    for sg in ec2.describe_security_groups(Filters=filt)["SecurityGroups"]:
        ec2.delete_security_group(GroupId=sg["GroupId"])
    for sn in ec2.describe_subnets(Filters=filt)["Subnets"]:
        ec2.delete_subnet(SubnetId=sn["SubnetId"])
    for vpc in ec2.describe_vpcs(Filters=filt)["Vpcs"]:
        ec2.delete_vpc(VpcId=vpc["VpcId"])


def _wait(target: Target, stack_id: str, timeout: float) -> dict[str, Any]:
    cfn = target.client("cloudformation")
    deadline = time.monotonic() + timeout
    delay = 0.05 if target.local else 5.0
    while True:
        stack = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]
        if not stack["StackStatus"].endswith("_IN_PROGRESS"):
            return stack
        if time.monotonic() > deadline:
            return stack
        time.sleep(delay)


def first_failure(target: Target, stack_id: str) -> tuple[str, str]:
    """(logical id, reason) of the first resource that failed, oldest first."""
    cfn = target.client("cloudformation")
    pages = cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id)
    events = [e for page in pages for e in page["StackEvents"]]
    for e in sorted(events, key=lambda e: e["Timestamp"]):
        if e["ResourceStatus"].endswith("_FAILED") and e["LogicalResourceId"] != e.get("StackName"):
            return e["LogicalResourceId"], e.get("ResourceStatusReason") or "no reason given"
    for e in sorted(events, key=lambda e: e["Timestamp"], reverse=True):
        if e.get("ResourceStatusReason"):
            return e["LogicalResourceId"], e["ResourceStatusReason"]
    return "", "no failure event recorded"


def deploy(target: Target, template: str | Path, stack_name: str,
           params: dict[str, str] | None = None, timeout: float | None = None) -> Deployed:
    from botocore.exceptions import ClientError

    text, doc = read_template(template)
    declared = doc.get("Parameters") or {}
    params = dict(params or {})
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise UsageError(f"--param {unknown[0]}", "is not a parameter of the template",
                         f"use one of {', '.join(sorted(declared))}")
    created_network = False
    if target.local and any(p in declared and p not in params for p in NETWORK_PARAMS):
        net = ensure_network(target, stack_name)
        created_network = True
        params = {**{k: v for k, v in net.items() if k in declared}, **params}
    missing = sorted(k for k, v in declared.items() if "Default" not in v and k not in params)
    if missing:
        raise UsageError(f"stack {stack_name}", f"missing parameter(s) {', '.join(missing)}",
                         "pass --param KEY=VALUE for each (on AWS: subnets in two AZs and a security group)")
    cfn = target.client("cloudformation")
    started = time.monotonic()
    try:
        stack_id = cfn.create_stack(
            StackName=stack_name, TemplateBody=text,
            Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in params.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"], OnFailure="ROLLBACK",
        )["StackId"]
    except ClientError as e:
        if created_network:
            delete_network(target, stack_name)
        msg = e.response.get("Error", {}).get("Message", str(e))
        if _error_code(e) == "AlreadyExistsException":
            raise UsageError(f"stack {stack_name}", "already exists", "pick another --stack-name or destroy it") from None
        raise DeployFailed(stack_name, "CREATE_REJECTED", "(template)", msg) from None
    stack = _wait(target, stack_id, timeout or (LOCAL_WAIT_S if target.local else AWS_WAIT_S))
    status = stack["StackStatus"]
    if status != "CREATE_COMPLETE":
        resource, reason = first_failure(target, stack_id)
        # Leave nothing behind: a rolled-back stack still exists until deleted.
        try:
            cfn.delete_stack(StackName=stack_id)
            _wait(target, stack_id, timeout or (LOCAL_WAIT_S if target.local else AWS_WAIT_S))
        finally:
            if created_network:
                delete_network(target, stack_name)
        raise DeployFailed(stack_name, status, resource, reason)
    return Deployed(stack_name, stack_id, outputs_of(stack), time.monotonic() - started)


def destroy(target: Target, stack_name: str, timeout: float | None = None) -> float:
    """Delete the stack (and on the local target the network made for it); seconds taken."""
    stack = describe(target, stack_name)
    cfn = target.client("cloudformation")
    started = time.monotonic()
    cfn.delete_stack(StackName=stack["StackId"])
    final = _wait(target, stack["StackId"], timeout or (LOCAL_WAIT_S if target.local else AWS_WAIT_S))
    if final["StackStatus"] != "DELETE_COMPLETE":
        resource, reason = first_failure(target, stack["StackId"])
        raise DeployFailed(stack_name, final["StackStatus"], resource, reason)
    delete_network(target, stack_name)
    return time.monotonic() - started
