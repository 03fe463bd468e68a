"""H7 — probes: the log group RDS exports the cluster's PostgreSQL log to belongs to the stack and expires."""

from __future__ import annotations

from tapcheck.live.context import Context, Fail, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe("postgresql-log-group", title="the log group RDS writes the PostgreSQL log to is the stack's, with a retention")
def log_group(ctx: Context) -> str:
    name = V["log_group_name"].format(cluster=ctx.cluster["DBClusterIdentifier"])
    own = ctx.physical("AWS::Logs::LogGroup")
    expect(name in own, f"the stack's log groups are {own}; RDS writes the postgresql log to {name}")
    groups = ctx.target.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    group = next((g for g in groups if g["logGroupName"] == name), None)
    if group is None:
        raise Fail(f"CloudWatch Logs has no log group {name}")
    expect(group.get("retentionInDays") in V["retention_days"], f"{name} keeps log events for ever (no retention)")
    return f"{name}: the stack's, retention {group['retentionInDays']} days"
