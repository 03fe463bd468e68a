"""What a stack left behind, checked rather than assumed, so that "nothing is left" is only
printed after looking: the stack itself, every resource its events say it created (by
physical id, through the service's own API), the network tapcheck made for it, and on the
local target the emulator's PostgreSQL data directories of its clusters."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tapcheck.live.target import Target


@dataclass
class Survey:
    """The outcome of looking: what is left, and how much was looked at."""

    left: list[str] = field(default_factory=list)
    looked_at: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.left

    def summary(self) -> str:
        text = ", ".join(self.looked_at) or "nothing"
        if self.unchecked:
            text += f" (not checked: {', '.join(self.unchecked)})"
        return text


def _error_code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", "")


def created_resources(target: Target, stack: str) -> list[tuple[str, str, str]]:
    """(logical id, type, physical id) of every resource the stack's events record as created."""
    cfn = target.client("cloudformation")
    try:
        pages = cfn.get_paginator("describe_stack_events").paginate(StackName=stack)
        events = [e for page in pages for e in page["StackEvents"]]
    except Exception as e:
        if "does not exist" in str(e):
            return []
        raise
    seen: dict[str, tuple[str, str, str]] = {}
    for event in events:
        if (
            event.get("ResourceStatus") == "CREATE_COMPLETE"
            and event.get("PhysicalResourceId")
            and event["LogicalResourceId"] != event.get("StackName")
        ):
            logical = event["LogicalResourceId"]
            seen[logical] = (logical, event["ResourceType"], event["PhysicalResourceId"])
    return list(seen.values())


def _exists(call: Callable[[], Any], gone_codes: tuple[str, ...]) -> bool:
    from botocore.exceptions import ClientError

    try:
        return bool(call())
    except ClientError as e:
        if _error_code(e) in gone_codes or "not found" in str(e).lower():
            return False
        raise


def _probe(target: Target, rtype: str, physical: str) -> Callable[[], bool] | None:
    """How to ask whether a resource of this type still exists; None for types not checked."""
    rds = lambda: target.client("rds")  # noqa: E731
    probes: dict[str, Callable[[], bool]] = {
        "AWS::RDS::DBCluster": lambda: _exists(
            lambda: rds().describe_db_clusters(DBClusterIdentifier=physical)["DBClusters"], ("DBClusterNotFoundFault",)
        ),
        "AWS::RDS::DBInstance": lambda: _exists(
            lambda: rds().describe_db_instances(DBInstanceIdentifier=physical)["DBInstances"],
            ("DBInstanceNotFound", "DBInstanceNotFoundFault"),
        ),
        "AWS::RDS::DBClusterParameterGroup": lambda: _exists(
            lambda: rds().describe_db_cluster_parameter_groups(DBClusterParameterGroupName=physical)[
                "DBClusterParameterGroups"
            ],
            ("DBParameterGroupNotFound",),
        ),
        "AWS::RDS::DBSubnetGroup": lambda: _exists(
            lambda: rds().describe_db_subnet_groups(DBSubnetGroupName=physical)["DBSubnetGroups"],
            ("DBSubnetGroupNotFoundFault",),
        ),
        # A secret scheduled for deletion is on its way out: only a live one counts.
        "AWS::SecretsManager::Secret": lambda: _exists(
            lambda: not target.client("secretsmanager").describe_secret(SecretId=physical).get("DeletedDate"),
            ("ResourceNotFoundException",),
        ),
        "AWS::SNS::Topic": lambda: _exists(
            lambda: target.client("sns").get_topic_attributes(TopicArn=physical)["Attributes"],
            ("NotFound", "NotFoundException"),
        ),
        "AWS::CloudWatch::Alarm": lambda: _exists(
            lambda: target.client("cloudwatch").describe_alarms(AlarmNames=[physical])["MetricAlarms"], ()
        ),
        "AWS::IAM::Role": lambda: _exists(
            lambda: target.client("iam").get_role(RoleName=physical)["Role"], ("NoSuchEntity",)
        ),
        "AWS::Logs::LogGroup": lambda: _exists(
            lambda: any(
                g["logGroupName"] == physical
                for g in target.client("logs").describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
            ),
            ("ResourceNotFoundException",),
        ),
        # A key scheduled for deletion is on its way out: CloudFormation schedules it after
        # PendingWindowInDays (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html).
        "AWS::KMS::Key": lambda: _exists(
            lambda: (
                target.client("kms").describe_key(KeyId=physical)["KeyMetadata"]["KeyState"]
                not in ("PendingDeletion", "PendingReplicaDeletion")
            ),
            ("NotFoundException",),
        ),
        "AWS::SecretsManager::SecretTargetAttachment": lambda: False,  # no resource of its own
    }
    return probes.get(rtype)


def _network_left(target: Target, network: dict[str, str]) -> list[str]:
    ec2 = target.client("ec2")
    return [f"{key} {rid}" for key, rid in network.items() if _network_resource_exists(ec2, rid)]


def _network_resource_exists(ec2: Any, rid: str) -> bool:
    if rid.startswith("vpc-"):
        return _exists(lambda: ec2.describe_vpcs(VpcIds=[rid])["Vpcs"], ("InvalidVpcID.NotFound",))
    if rid.startswith("subnet-"):
        return _exists(lambda: ec2.describe_subnets(SubnetIds=[rid])["Subnets"], ("InvalidSubnetID.NotFound",))
    return _exists(lambda: ec2.describe_security_groups(GroupIds=[rid])["SecurityGroups"], ("InvalidGroup.NotFound",))


def survey(
    target: Target, stack: str, created: list[tuple[str, str, str]], network: dict[str, str] | None = None
) -> Survey:
    """Look for what is left of a stack after its deletion or rollback."""
    from tapcheck.live.events import stack_status

    out = Survey()
    status = stack_status(target, stack)
    out.looked_at.append("the stack")
    if status not in (None, "DELETE_COMPLETE"):
        out.left.append(f"stack {stack} ({status})")
    checked = _look_for(target, created, out)
    out.looked_at.append(f"{checked} resource(s) it created")
    if network:
        out.looked_at.append("the network made for it")
        out.left += _network_left(target, network)
    if target.local and target.emulator_root:
        from pathlib import Path

        from tapcheck.emulator.control import processes_under
        from tapcheck.emulator.pgcluster import cluster_dirs

        out.looked_at.append("PostgreSQL of its clusters")
        for _, rtype, physical in created:
            if rtype != "AWS::RDS::DBCluster":
                continue
            for d in cluster_dirs(Path(target.emulator_root), physical.lower()):
                running = processes_under(d)
                out.left.append(
                    f"PostgreSQL data of {physical} in {d}" + (f" with {len(running)} process(es)" if running else "")
                )
    return out


# --- an operation that has not finished (timeout, Ctrl-C) or was rolled back ---------------------
def physical_ids(target: Target, stack: str) -> dict[str, tuple[str, str, str]]:
    """physical id -> (logical id, type, status) of the stack's resources now (ListStackResources)."""
    cfn = target.client("cloudformation")
    found: dict[str, tuple[str, str, str]] = {}
    try:
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
            for r in page["StackResourceSummaries"]:
                if r.get("PhysicalResourceId"):
                    found[r["PhysicalResourceId"]] = (r["LogicalResourceId"], r["ResourceType"], r["ResourceStatus"])
    except Exception as e:
        if "does not exist" in str(e):
            return {}
        raise
    return found


def made_by(events: list[dict[str, Any]], before: set[str]) -> list[tuple[str, str, str]]:
    """(logical id, type, physical id) of what an operation created: a physical id its events
    (oldest first) show complete that the stack did not have before it, and that the same events
    do not show deleted afterwards."""
    last: dict[str, tuple[str, str, str]] = {}
    for e in events:
        physical = e.get("PhysicalResourceId") or ""
        if not physical or e.get("LogicalResourceId") == e.get("StackName") or physical in before:
            continue
        last[physical] = (e["LogicalResourceId"], e.get("ResourceType", ""), e.get("ResourceStatus", ""))
    return [
        (logical, rtype, physical)
        for physical, (logical, rtype, status) in last.items()
        if status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS")
    ]


def describe_left(items: list[tuple[str, str, str]]) -> str:
    return ", ".join(f"{logical} {physical}" for logical, _, physical in items) or "nothing yet"


def survey_made(target: Target, stack: str, made: list[tuple[str, str, str]]) -> Survey:
    """After a rolled-back or cancelled update: is anything the update created still there (the
    stack itself stays, with its previous resources)?"""
    out = Survey()
    current = physical_ids(target, stack)
    out.looked_at.append("the stack's resources")
    outside = []
    for logical, rtype, physical in made:
        if physical in current:
            out.left.append(f"{logical} {physical} (still in the stack)")
        else:
            outside.append((logical, rtype, physical))
    checked = _look_for(target, outside, out)
    out.looked_at.append(f"{checked} resource(s) the update created")
    return out


def _look_for(target: Target, resources: list[tuple[str, str, str]], out: Survey) -> int:
    """Ask the service whether each (logical, type, physical) still exists; record what is left and
    what no probe can look at. Returns how many were looked at."""
    checked = 0
    for logical, rtype, physical in resources:
        probe = _probe(target, rtype, physical)
        if probe is None:
            out.unchecked.append(f"{logical} ({rtype})")
            continue
        checked += 1
        if probe():
            out.left.append(f"{logical} {physical}")
    return checked
