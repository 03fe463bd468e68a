"""Deploy, describe and destroy a stack on a target. Deploy never gates on the static
checks: a non-compliant template must deploy so that the probes see what it really is.

Deploy changes nothing that exists when it is refused (a stack of that name exists,
parameters CloudFormation would refuse), removes everything it made when it fails or is
interrupted on the local target, and says so only after checking (see leftovers.py).
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tapcheck.errors import UsageError
from tapcheck.live import leftovers
from tapcheck.live.target import Target

NETWORK_TAG = "tapcheck:network-for"
NETWORK_PARAMS = ("SubnetId1", "SubnetId2", "VpcSecurityGroupId")
LOCAL_WAIT_S = 120.0
AWS_WAIT_S = 3600.0
# What a user deploying this template must acknowledge: it creates a named IAM role.
DEFAULT_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")


class DeployFailed(Exception):
    """The stack did not reach CREATE_COMPLETE (or DELETE_COMPLETE). `resource` and `reason`
    name the cause; `check`, when set, is what was found left after cleaning up."""

    def __init__(self, stack: str, status: str, resource: str, reason: str,
                 check: leftovers.Check | None = None) -> None:
        super().__init__(f"{stack}: {status}: {resource}: {reason}")
        self.stack, self.status, self.resource, self.reason = stack, status, resource, reason
        self.check = check


class DeployInterrupted(Exception):
    """Ctrl-C during deploy. On the local target the partial stack was rolled back and
    `check` says what is left; on AWS `command` removes what may have been created."""

    def __init__(self, stack: str, target: str, check: leftovers.Check | None = None,
                 command: str | None = None) -> None:
        super().__init__(f"deploy of {stack} interrupted")
        self.stack, self.target, self.check, self.command = stack, target, check, command


@dataclass
class Deployed:
    stack_name: str
    stack_id: str
    outputs: dict[str, str]
    seconds: float


def _error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def stack_status(target: Target, stack: str) -> str | None:
    """The stack's status, or None when no such stack exists."""
    from botocore.exceptions import ClientError

    try:
        return target.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    except ClientError as e:
        if "does not exist" in str(e):
            return None
        raise


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
    """Local target only: a VPC, two subnets in two AZs and a security group for the stack.
    Returns the parameter values plus "VpcId"; removes what it made if a step fails."""
    ec2 = target.client("ec2")
    tags = [{"Key": NETWORK_TAG, "Value": stack_name}]
    spec = lambda kind: [{"ResourceType": kind, "Tags": tags}]  # noqa: E731
    made: dict[str, str] = {}
    try:
        made["VpcId"] = ec2.create_vpc(CidrBlock="10.77.0.0/16", TagSpecifications=spec("vpc"))["Vpc"]["VpcId"]
        azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
        for i, az in enumerate(azs, start=1):
            made[f"SubnetId{i}"] = ec2.create_subnet(VpcId=made["VpcId"], CidrBlock=f"10.77.{i}.0/24",
                                                     AvailabilityZone=az, TagSpecifications=spec("subnet"))["Subnet"]["SubnetId"]
        made["VpcSecurityGroupId"] = ec2.create_security_group(
            GroupName=f"{stack_name}-db", Description="tapcheck database access", VpcId=made["VpcId"],
            TagSpecifications=spec("security-group"))["GroupId"]
    except BaseException:
        delete_network_ids(target, made)
        raise
    return made


def delete_network_ids(target: Target, network: dict[str, str]) -> None:
    """Delete exactly the network resources named (security group, subnets, then the VPC)."""
    if not network:
        return
    ec2 = target.client("ec2")
    ids = list(network.values())
    for rid in [i for i in ids if i.startswith("sg-")]:
        ec2.delete_security_group(GroupId=rid)
    for rid in [i for i in ids if i.startswith("subnet-")]:
        ec2.delete_subnet(SubnetId=rid)
    for rid in [i for i in ids if i.startswith("vpc-")]:
        ec2.delete_vpc(VpcId=rid)


def delete_network(target: Target, stack_name: str) -> None:
    """Local target: delete the network deploy made for this stack (found by its tag)."""
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
    """(logical id, reason) of the first resource that failed in the stack's latest operation
    (the events since its last user-initiated create, update or delete), so that a retried
    delete reports why it failed now, not why an earlier attempt did."""
    cfn = target.client("cloudformation")
    pages = cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id)
    events = [e for page in pages for e in page["StackEvents"]]  # newest first
    current = events
    for i, e in enumerate(events):
        if e["LogicalResourceId"] == e.get("StackName") and e.get("ResourceStatusReason") == "User Initiated":
            current = events[:i]
            break
    for e in reversed(current):
        if e["ResourceStatus"].endswith("_FAILED") and e["LogicalResourceId"] != e.get("StackName"):
            return e["LogicalResourceId"], e.get("ResourceStatusReason") or "no reason given"
    for e in current or events:
        if e.get("ResourceStatusReason") and e.get("ResourceStatusReason") != "User Initiated":
            return e["LogicalResourceId"], e["ResourceStatusReason"]
    return "", "no failure event recorded"


def _local_prechecks(target: Target, declared: dict[str, Any], params: dict[str, str], stack_name: str) -> None:
    """Before deploy makes a network on the local target: the checks CloudFormation would make
    anyway, so that a refused deploy creates nothing at all."""
    from tapcheck.emulator import parameters

    try:
        parameters.validate(declared, params, skip=tuple(p for p in NETWORK_PARAMS if p not in params))
    except parameters.ParameterError as e:
        raise DeployFailed(stack_name, "CREATE_REJECTED", "(parameters)", e.message) from None


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Let a rollback finish: Ctrl-C is ignored while it runs (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _roll_back(target: Target, stack: str, network: dict[str, str], timeout: float,
               stack_made: bool = True) -> leftovers.Check:
    """Delete what this deploy made (the stack, if it asked for one, and the network) and
    look at what is left."""
    created: list[tuple[str, str, str]] = []
    status = stack_status(target, stack) if stack_made else None
    if status is not None and status != "DELETE_COMPLETE":
        stack_id = describe(target, stack)["StackId"]
        _wait(target, stack_id, timeout)  # a stack still being created is deleted once it settles
        created = leftovers.created_resources(target, stack_id)
        target.client("cloudformation").delete_stack(StackName=stack_id)
        _wait(target, stack_id, timeout)
        stack = stack_id
    delete_network_ids(target, network)
    return leftovers.check(target, stack, created, network)


def deploy(target: Target, template: str | Path, stack_name: str,
           params: dict[str, str] | None = None, timeout: float | None = None,
           capabilities: Sequence[str] = DEFAULT_CAPABILITIES) -> Deployed:
    """Create the stack and wait for it. `capabilities` are the acknowledgements passed to
    CreateStack (default: both IAM ones, which this template needs)."""
    from botocore.exceptions import ClientError

    text, doc = read_template(template)
    declared = doc.get("Parameters") or {}
    params = dict(params or {})
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise UsageError(f"--param {unknown[0]}", "is not a parameter of the template",
                         f"use one of {', '.join(sorted(declared))}")
    wait_s = timeout or (LOCAL_WAIT_S if target.local else AWS_WAIT_S)
    # A refused deploy changes nothing: the name is checked before anything is made.
    if stack_status(target, stack_name) not in (None, "DELETE_COMPLETE"):
        raise UsageError(f"stack {stack_name}", "already exists", "pick another --stack-name or destroy it")
    network: dict[str, str] = {}
    needs_network = target.local and any(p in declared and p not in params for p in NETWORK_PARAMS)
    missing = sorted(k for k, v in declared.items() if "Default" not in (v or {}) and k not in params
                     and not (needs_network and k in NETWORK_PARAMS))
    if missing:
        raise UsageError(f"stack {stack_name}", f"missing parameter(s) {', '.join(missing)}",
                         "pass --param KEY=VALUE for each (on AWS: subnets in two AZs and a security group)")
    if needs_network:
        _local_prechecks(target, declared, params, stack_name)
    cfn = target.client("cloudformation")
    started = time.monotonic()
    sent = False
    try:
        if needs_network:
            network = ensure_network(target, stack_name)
            params = {**{k: v for k, v in network.items() if k in declared}, **params}
        try:
            sent = True
            stack_id = cfn.create_stack(
                StackName=stack_name, TemplateBody=text,
                Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in params.items()],
                Capabilities=list(capabilities), OnFailure="ROLLBACK",
            )["StackId"]
        except ClientError as e:
            sent = False
            delete_network_ids(target, network)
            msg = e.response.get("Error", {}).get("Message", str(e))
            if _error_code(e) == "AlreadyExistsException":
                raise UsageError(f"stack {stack_name}", "already exists",
                                 "pick another --stack-name or destroy it") from None
            where = "(parameters)" if msg.startswith("Parameter") else "(template)"
            raise DeployFailed(stack_name, "CREATE_REJECTED", where, msg) from None
        stack = _wait(target, stack_id, wait_s)
    except KeyboardInterrupt:
        if not target.local:
            command = f"tapcheck destroy --stack-name {stack_name} --target aws --region {target.region}"
            raise DeployInterrupted(stack_name, target.name, command=command if sent else None) from None
        with _no_interrupts():
            check = _roll_back(target, stack_name, network, wait_s, stack_made=sent)
        raise DeployInterrupted(stack_name, target.name, check=check) from None
    status = stack["StackStatus"]
    if status != "CREATE_COMPLETE":
        resource, reason = first_failure(target, stack_id)
        # Leave nothing behind: a rolled-back stack still exists until deleted.
        with _no_interrupts():
            check = _roll_back(target, stack_id, network, wait_s)
        raise DeployFailed(stack_name, status, resource, reason, check)
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
