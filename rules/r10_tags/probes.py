"""R10 — probes: the tags each service reports for the stack's resources."""

from __future__ import annotations

from collections.abc import Callable

from tapcheck.live.context import Context, Fail, expect
from tapcheck.requirements.taggable import tag_property
from tapcheck.requirements.unit import probe, values

REQUIRED = values(__file__)["tags"]


def _pairs(items, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {i[key]: i[value] for i in items or []}


def _rds(ctx: Context, arn: str) -> dict[str, str]:
    return _pairs(ctx.target.client("rds").list_tags_for_resource(ResourceName=arn)["TagList"])


# How to read the live tags of each resource type the stack may hold, from its physical id.
READERS: dict[str, Callable[[Context, str], dict[str, str]]] = {
    "AWS::RDS::DBCluster": lambda ctx, pid: _rds(ctx, ctx.cluster["DBClusterArn"]),
    "AWS::RDS::DBInstance": lambda ctx, pid: _rds(
        ctx, next(i["DBInstanceArn"] for i in ctx.instances if i["DBInstanceIdentifier"].lower() == pid.lower())
    ),
    "AWS::RDS::DBSubnetGroup": lambda ctx, pid: _rds(
        ctx,
        ctx.target.client("rds").describe_db_subnet_groups(DBSubnetGroupName=pid)["DBSubnetGroups"][0][
            "DBSubnetGroupArn"
        ],
    ),
    "AWS::RDS::DBClusterParameterGroup": lambda ctx, pid: _rds(
        ctx,
        ctx.target.client("rds").describe_db_cluster_parameter_groups(DBClusterParameterGroupName=pid)[
            "DBClusterParameterGroups"
        ][0]["DBClusterParameterGroupArn"],
    ),
    "AWS::SecretsManager::Secret": lambda ctx, pid: _pairs(
        ctx.target.client("secretsmanager").describe_secret(SecretId=pid).get("Tags")
    ),
    "AWS::SNS::Topic": lambda ctx, pid: _pairs(
        ctx.target.client("sns").list_tags_for_resource(ResourceArn=pid)["Tags"]
    ),
    "AWS::CloudWatch::Alarm": lambda ctx, pid: _pairs(
        ctx.target.client("cloudwatch").list_tags_for_resource(
            ResourceARN=ctx.target.client("cloudwatch").describe_alarms(AlarmNames=[pid])["MetricAlarms"][0]["AlarmArn"]
        )["Tags"]
    ),
    "AWS::IAM::Role": lambda ctx, pid: _pairs(ctx.target.client("iam").list_role_tags(RoleName=pid)["Tags"]),
    "AWS::KMS::Key": lambda ctx, pid: _pairs(
        ctx.target.client("kms").list_resource_tags(KeyId=pid)["Tags"], "TagKey", "TagValue"
    ),
    "AWS::Logs::LogGroup": lambda ctx, pid: dict(
        ctx.target.client("logs").list_tags_log_group(logGroupName=pid)["tags"]
    ),
}


@probe(
    "required-tags", title="Environment=Production and ManagedBy=CloudFormation on every taggable resource of the stack"
)
def tags(ctx: Context) -> str:
    from botocore.exceptions import ClientError

    bad, unreadable, seen = [], [], 0
    for resource in ctx.resources:
        rtype, pid = resource["ResourceType"], resource["PhysicalResourceId"]
        if tag_property(rtype) is None:
            continue  # the type takes no tags
        reader = READERS.get(rtype)
        if reader is None:
            unreadable.append(f"{resource['LogicalResourceId']} ({rtype})")
            continue
        try:
            found = reader(ctx, pid)
        except (ClientError, StopIteration) as e:  # StopIteration: an instance RDS no longer has
            reason = e.response["Error"]["Code"] if isinstance(e, ClientError) else "not found"
            bad.append(f"{resource['LogicalResourceId']} ({rtype} {pid}: its tags cannot be read, {reason})")
            continue
        seen += 1
        wrong = [f"{k}={found.get(k)}" for k, v in REQUIRED.items() if found.get(k) != v]
        if wrong:
            bad.append(f"{resource['LogicalResourceId']} ({', '.join(wrong)})")
    expect(not bad, "missing or wrong tags on " + "; ".join(bad))
    if unreadable:
        raise Fail(
            f"tapcheck cannot read the live tags of {', '.join(unreadable)}: teach rules/r10_tags/probes.py "
            "that type before trusting this probe"
        )
    return f"{seen} resources tagged"
