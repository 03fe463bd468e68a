"""Deploy, describe and destroy a stack on a target. Deploy never gates on the static
checks: a non-compliant template must deploy so that the probes see what it really is.

A new stack is created; a stack that exists is updated after `tapcheck plan` has compared the
deployed template with the new one, and only when no blocking change is left unallowed
(update.py). Deploy changes nothing that exists when it is refused (parameters CloudFormation
would refuse, a blocking change), removes everything it made when a create fails or is
interrupted on the local target, rolls an interrupted local update back, and says so only after
checking (see leftovers.py). Every operation prints the stack's events as they happen
(events.py), takes a timeout, and on a timeout or Ctrl-C says what is left and the command that
removes it.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tapcheck.errors import UsageError
from tapcheck.live import leftovers, stack_names
from tapcheck.live.events import EventStream, OperationTimeout, follow, stack_status
from tapcheck.live.target import Target

NETWORK_TAG = "tapcheck:network-for"
NETWORK_PARAMS = ("SubnetId1", "SubnetId2", "VpcSecurityGroupId")
LOCAL_WAIT_S = 120.0
AWS_WAIT_S = 3600.0
# What a user deploying this template must acknowledge: it creates a named IAM role.
DEFAULT_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM")


class DeployFailed(Exception):
    """The stack did not reach CREATE_COMPLETE (or DELETE_COMPLETE). `resource` and `reason`
    name the cause; `survey`, when set, is what was found left after cleaning up."""

    def __init__(
        self, stack: str, status: str, resource: str, reason: str, survey: leftovers.Survey | None = None
    ) -> None:
        super().__init__(f"{stack}: {status}: {resource}: {reason}")
        self.stack, self.status, self.resource, self.reason = stack, status, resource, reason
        self.survey = survey


class DeployInterrupted(Exception):
    """Ctrl-C during deploy or destroy. On the local target a partial create was rolled back
    (an update cancelled and rolled back) and `survey` says what is left; otherwise `left` says
    what exists so far and `command` is what removes it."""

    def __init__(
        self,
        stack: str,
        target: str,
        survey: leftovers.Survey | None = None,
        command: str | None = None,
        operation: str = "create",
        status: str | None = None,
        left: str = "",
    ) -> None:
        super().__init__(f"{operation} of {stack} interrupted")
        self.stack, self.target, self.survey, self.command = stack, target, survey, command
        self.operation, self.status, self.left = operation, status, left


class DeployTimedOut(Exception):
    """The operation did not settle within --timeout; it goes on. `left` is what exists so far,
    `command` what removes it (or cancels the update)."""

    def __init__(self, stack: str, operation: str, seconds: float, status: str | None, left: str, command: str) -> None:
        super().__init__(f"{operation} of {stack} not finished after {seconds:.0f} s")
        self.stack, self.operation, self.seconds, self.status = stack, operation, seconds, status
        self.left, self.command = left, command


@dataclass
class Deployed:
    stack_name: str
    stack_id: str
    outputs: dict[str, str]
    seconds: float
    action: str = "create"  # create | update
    changed: bool = True  # False: the update found nothing to change
    plan: Any = None  # the plan an update ran (tapcheck.plan.planner.Plan)
    verdicts: list[Any] = field(default_factory=list)  # AWS: plan against change set, per resource


def _error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def describe(target: Target, stack_name: str) -> dict[str, Any]:
    """The live stack `stack_name` names (its name or stack ARN), or a UsageError when there is no
    such stack. The name is checked before the call and the answer must be that stack: DescribeStacks
    answers a missing name with every stack (stack_names.py)."""
    from botocore.exceptions import ClientError

    stack_names.validated(stack_name)
    try:
        stacks = target.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as e:
        if "does not exist" in str(e):
            raise UsageError(
                f"stack {stack_name}", f"does not exist on target {target.name}", "check --stack-name and --target"
            ) from None
        raise
    stack = stack_names.pick(stacks, stack_name)
    if stack is None:
        raise UsageError(
            f"stack {stack_name}",
            f"is not among the {len(stacks)} stack(s) CloudFormation described "
            f"on target {target.name}; nothing was done",
            "check --stack-name and --target",
        )
    return stack


def outputs_of(stack: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs") or []}


def read_template(path: str | Path) -> tuple[str, dict[str, Any]]:
    """The template's text (sent to CloudFormation as written) and its tree, read by the same
    loader as the gate and the plan: YAML short forms (!Ref, !Sub), size and encoding limits,
    one-line errors."""
    from tapcheck.loader import load_template

    loaded = load_template(str(path))
    if not isinstance(loaded.tree.get("Resources"), dict):
        raise UsageError(str(path), "not a CloudFormation template (no Resources)", "pass a JSON or YAML template")
    return loaded.text, loaded.tree


DB_PORT = 5432  # Aurora PostgreSQL's default port, the template's (its Port is not set)


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
            made[f"SubnetId{i}"] = ec2.create_subnet(
                VpcId=made["VpcId"], CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=az, TagSpecifications=spec("subnet")
            )["Subnet"]["SubnetId"]
        made["VpcSecurityGroupId"] = group = ec2.create_security_group(
            GroupName=f"{stack_name}-db",
            Description="tapcheck database access",
            VpcId=made["VpcId"],
            TagSpecifications=spec("security-group"),
        )["GroupId"]
        # The group admits the database port from its own members, as a private cluster's group does for
        # what runs beside it: the in-VPC runner takes the cluster's groups, and with the emulator's
        # network boundary on, it reaches the cluster only through this rule (security_groups.py).
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": DB_PORT, "ToPort": DB_PORT, "UserIdGroupPairs": [{"GroupId": group}]}
            ],
        )
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
        stack = stack_names.pick(cfn.describe_stacks(StackName=stack_id)["Stacks"], stack_id)
        if stack is None:
            raise UsageError(
                f"stack {stack_id}", "was not in CloudFormation's answer about it", "run the command again"
            )
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


def _roll_back(
    target: Target, stack: str, network: dict[str, str], timeout: float, stack_made: bool = True
) -> leftovers.Survey:
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
    return leftovers.survey(target, stack, created, network)


def destroy_command(target: Target, stack: str) -> str:
    return f"tapcheck destroy --stack-name {stack}" + (
        "" if target.local else f" --target aws --region {target.region}"
    )


def cancel_command(target: Target, stack: str) -> str:
    return f"tapcheck cancel-update --stack-name {stack}" + (
        "" if target.local else f" --target aws --region {target.region}"
    )


def _wait_s(target: Target, timeout: float | None) -> float:
    return timeout or (LOCAL_WAIT_S if target.local else AWS_WAIT_S)


def deploy(
    target: Target,
    template: str | Path,
    stack_name: str,
    params: dict[str, str] | None = None,
    timeout: float | None = None,
    capabilities: Sequence[str] = DEFAULT_CAPABILITIES,
    allows: Sequence[str] = (),
    out: TextIO | None = None,
) -> Deployed:
    """Create the stack, or update it if it exists (plan first: see update.py), and wait for it,
    printing its events to `out` as they happen. `capabilities` are the acknowledgements passed to
    CloudFormation (default: both IAM ones, which this template needs); `allows` accept the
    blocking changes of those resources."""
    from botocore.exceptions import ClientError

    text, doc = read_template(template)
    declared = doc.get("Parameters") or {}
    params = dict(params or {})
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise UsageError(
            f"--param {unknown[0]}", "is not a parameter of the template", f"use one of {', '.join(sorted(declared))}"
        )
    wait_s = _wait_s(target, timeout)
    if stack_status(target, stack_name) not in (None, "DELETE_COMPLETE"):
        return _update(target, str(template), stack_name, params, wait_s, capabilities, list(allows), out)
    if allows:
        raise UsageError(
            f"--allow {allows[0]}",
            f"stack {stack_name} does not exist yet: a create has no change to allow",
            "drop --allow, or name the stack you mean to update",
        )
    network: dict[str, str] = {}
    needs_network = target.local and any(p in declared and p not in params for p in NETWORK_PARAMS)
    missing = sorted(
        k
        for k, v in declared.items()
        if "Default" not in (v or {}) and k not in params and not (needs_network and k in NETWORK_PARAMS)
    )
    if missing:
        raise UsageError(
            f"stack {stack_name}",
            f"missing parameter(s) {', '.join(missing)}",
            "pass --param KEY=VALUE for each (on AWS: subnets in two AZs and a security group)",
        )
    if needs_network:
        _local_prechecks(target, declared, params, stack_name)
    cfn = target.client("cloudformation")
    started = time.monotonic()
    stream = EventStream(target, stack_name, out)
    sent = False
    try:
        if needs_network:
            network = ensure_network(target, stack_name)
            params = {**{k: v for k, v in network.items() if k in declared}, **params}
        stream.prime()
        sent = True

        def create() -> Any:
            return cfn.create_stack(
                StackName=stack_name,
                TemplateBody=text,
                Parameters=[{"ParameterKey": k, "ParameterValue": str(v)} for k, v in params.items()],
                Capabilities=list(capabilities),
                OnFailure="ROLLBACK",
            )["StackId"]

        try:
            stack_id, status = follow(target, stream, create, wait_s)
        except ClientError as e:
            sent = False
            delete_network_ids(target, network)
            msg = e.response.get("Error", {}).get("Message", str(e))
            if _error_code(e) == "AlreadyExistsException":
                raise UsageError(
                    f"stack {stack_name}", "already exists", "pick another --stack-name or destroy it"
                ) from None
            where = "(parameters)" if msg.startswith("Parameter") else "(template)"
            raise DeployFailed(stack_name, "CREATE_REJECTED", where, msg) from None
    except OperationTimeout as t:
        left = leftovers.describe_left(leftovers.made_by(stream.events, set()))
        raise DeployTimedOut(
            stack_name,
            "create",
            t.seconds,
            t.status,
            left + _network_note(network),
            destroy_command(target, stack_name),
        ) from None
    except KeyboardInterrupt:
        if not target.local:
            left = leftovers.describe_left(leftovers.made_by(stream.events, set()))
            raise DeployInterrupted(
                stack_name, target.name, command=destroy_command(target, stack_name) if sent else None, left=left
            ) from None
        with _no_interrupts():
            survey = _roll_back(target, stack_name, network, wait_s, stack_made=sent)
        raise DeployInterrupted(stack_name, target.name, survey=survey) from None
    stack = describe(target, stack_id)
    if status != "CREATE_COMPLETE":
        resource, reason = first_failure(target, stack_id)
        # Leave nothing behind: a rolled-back stack still exists until deleted.
        with _no_interrupts():
            survey = _roll_back(target, stack_id, network, wait_s)
        raise DeployFailed(stack_name, status or "DELETE_COMPLETE", resource, reason, survey)
    return Deployed(stack_name, stack_id, outputs_of(stack), time.monotonic() - started)


def _network_note(network: dict[str, str]) -> str:
    return f"; the network made for it ({', '.join(network.values())})" if network else ""


def _update(
    target: Target,
    template: str,
    stack_name: str,
    params: dict[str, str],
    wait_s: float,
    capabilities: Sequence[str],
    allows: list[str],
    out: TextIO | None,
) -> Deployed:
    """Plan, then update (see update.py)."""
    from botocore.exceptions import ClientError

    from tapcheck.live import update
    from tapcheck.plan import render

    current = describe(target, stack_name)
    prepared = update.prepare(target, template, current, params, allows)
    update.out_line(out, render.text([prepared.plan]).rstrip("\n"))
    for kept in prepared.kept_defaults:  # a changed Default the update does not apply: say so, and how
        update.out_line(out, kept.line())
    if not prepared.plan.safe:
        raise update.UpdateRefused(prepared.plan)
    stack_id = current["StackId"]
    result = Deployed(stack_name, stack_id, outputs_of(current), 0.0, action="update", plan=prepared.plan)
    if prepared.unchanged:
        result.changed = False
        return result
    started = time.monotonic()
    cfn = target.client("cloudformation")
    before = set(leftovers.physical_ids(target, stack_id))
    if target.local:

        def call() -> Any:
            return cfn.update_stack(
                StackName=stack_id,
                TemplateBody=prepared.template_text,
                Parameters=prepared.api_parameters,
                Capabilities=list(capabilities),
            )
    else:
        change_set_id, changes = update.create_change_set(target, prepared, list(capabilities))
        if not changes:
            update.out_line(out, "CloudFormation finds nothing to change: the change set was deleted")
            result.changed = False
            return result
        result.verdicts = update.compare_verdicts(prepared.plan.changes, changes)
        update.out_line(
            out,
            f"change set {change_set_id}: CloudFormation's verdict beside the plan's\n"
            + update.render_verdicts(result.verdicts),
        )
        if not all(r.agree for r in result.verdicts):
            cfn.delete_change_set(ChangeSetName=change_set_id, StackName=stack_id)
            raise update.VerdictsDisagree(result.verdicts, change_set_id)

        def call() -> Any:
            return cfn.execute_change_set(ChangeSetName=change_set_id, StackName=stack_id)

    stream = EventStream(target, stack_id, out)
    stream.prime()
    try:
        _, status = follow(target, stream, call, wait_s)
    except ClientError as e:
        msg = e.response.get("Error", {}).get("Message", str(e))
        if "No updates are to be performed" in msg:
            result.changed = False
            return result
        raise DeployFailed(
            stack_name, "UPDATE_REJECTED", "(parameters)" if msg.startswith("Parameter") else "(template)", msg
        ) from None
    except OperationTimeout as t:
        left = leftovers.describe_left(leftovers.made_by(stream.events, before))
        raise DeployTimedOut(
            stack_name,
            "update",
            t.seconds,
            t.status,
            f"created by the update so far: {left}",
            cancel_command(target, stack_name),
        ) from None
    except KeyboardInterrupt:
        made = leftovers.made_by(stream.events, before)
        if not target.local:
            raise DeployInterrupted(
                stack_name,
                target.name,
                operation="update",
                status=stack_status(target, stack_id),
                command=cancel_command(target, stack_name),
                left=f"created by the update so far: {leftovers.describe_left(made)}",
            ) from None
        with _no_interrupts():
            status = cancel_local_update(target, stack_id, stream, wait_s)
            survey = leftovers.survey_made(target, stack_id, leftovers.made_by(stream.events, before))
        raise DeployInterrupted(stack_name, target.name, survey=survey, operation="update", status=status) from None
    if status != "UPDATE_COMPLETE":
        resource, reason = first_failure(target, stack_id)
        survey = leftovers.survey_made(target, stack_id, leftovers.made_by(stream.events, before))
        raise DeployFailed(stack_name, status or "unknown", resource, reason, survey)
    final = describe(target, stack_id)
    result.outputs, result.seconds = outputs_of(final), time.monotonic() - started
    return result


def cancel_local_update(target: Target, stack_id: str, stream: EventStream, wait_s: float) -> str | None:
    """Ctrl-C during a local update: CancelUpdateStack, then wait for the rollback ("the stack rolls
    back the update and reverts to the previous stack configuration. You can cancel only stacks
    that are in the UPDATE_IN_PROGRESS state",
    https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CancelUpdateStack.html). An
    update that finished meanwhile cannot be cancelled; its final status is returned as it is."""
    from botocore.exceptions import ClientError

    try:
        target.client("cloudformation").cancel_update_stack(StackName=stack_id)
    except ClientError:
        pass  # no longer UPDATE_IN_PROGRESS
    deadline = time.monotonic() + wait_s
    while True:
        stream.poll()
        status = stack_status(target, stack_id)
        if status is None or not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
            return status
        time.sleep(0.1)


def cancel_update(
    target: Target, stack_name: str, timeout: float | None = None, out: TextIO | None = None
) -> tuple[str | None, leftovers.Survey]:
    """CancelUpdateStack and follow the rollback; (final status, what the update left)."""
    stack = describe(target, stack_name)
    if stack["StackStatus"] != "UPDATE_IN_PROGRESS":
        raise UsageError(
            f"stack {stack_name}",
            f"is {stack['StackStatus']}: there is no update in progress to cancel",
            "only an update that is still UPDATE_IN_PROGRESS can be cancelled",
        )
    cfn = target.client("cloudformation")
    stream = EventStream(target, stack["StackId"], out)
    update_events = _current_operation(target, stack["StackId"])
    stream.prime()
    _, status = follow(
        target, stream, lambda: cfn.cancel_update_stack(StackName=stack["StackId"]), _wait_s(target, timeout)
    )
    return status, leftovers.survey_made(
        target, stack["StackId"], leftovers.made_by(update_events + stream.events, set())
    )


def _current_operation(target: Target, stack_id: str) -> list[dict[str, Any]]:
    """The events of the stack's latest user-initiated operation, oldest first."""
    cfn = target.client("cloudformation")
    events = [
        e
        for page in cfn.get_paginator("describe_stack_events").paginate(StackName=stack_id)
        for e in page["StackEvents"]
    ]
    for i, e in enumerate(events):
        if e["LogicalResourceId"] == e.get("StackName") and e.get("ResourceStatusReason") == "User Initiated":
            return list(reversed(events[: i + 1]))
    return list(reversed(events))


def destroy(target: Target, stack_name: str, timeout: float | None = None, out: TextIO | None = None) -> float:
    """Delete the stack (and on the local target the network made for it), printing its events
    as they happen; seconds taken."""
    stack = describe(target, stack_name)
    cfn = target.client("cloudformation")
    started = time.monotonic()
    stream = EventStream(target, stack["StackId"], out)
    stream.prime()
    try:
        _, status = follow(
            target, stream, lambda: cfn.delete_stack(StackName=stack["StackId"]), _wait_s(target, timeout)
        )
    except OperationTimeout as t:
        raise DeployTimedOut(
            stack_name,
            "delete",
            t.seconds,
            t.status,
            _not_yet_deleted(target, stack["StackId"]),
            destroy_command(target, stack_name),
        ) from None
    except KeyboardInterrupt:
        raise DeployInterrupted(
            stack_name,
            target.name,
            operation="delete",
            status=stack_status(target, stack["StackId"]),
            left=_not_yet_deleted(target, stack["StackId"]),
            command=destroy_command(target, stack_name),
        ) from None
    if status != "DELETE_COMPLETE":
        resource, reason = first_failure(target, stack["StackId"])
        raise DeployFailed(stack_name, status or "unknown", resource, reason)
    delete_network(target, stack_name)
    return time.monotonic() - started


def _not_yet_deleted(target: Target, stack_id: str) -> str:
    left = [
        (logical, rtype, physical)
        for physical, (logical, rtype, status) in leftovers.physical_ids(target, stack_id).items()
        if status != "DELETE_COMPLETE"
    ]
    return leftovers.describe_left(left)
