"""H7 — the PostgreSQL log RDS exports goes to a log group the stack owns, with a retention.

RDS creates /aws/rds/cluster/<cluster>/postgresql on the first export, outside the stack and
with no expiry (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html):
it outlives the stack and, with log_statement=all, keeps every statement for ever. A log group
of the stack with exactly that name, created before the cluster, is the one RDS writes to, so
the stack's retention, tags and Delete policies apply.

RDS stores the cluster identifier in lower case
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html,
DBClusterIdentifier), and log group names are case sensitive: a name built from a parameter that
admits upper case can miss the group RDS writes to.
"""

from __future__ import annotations

import re

from tapcheck.model import Model, Resource, Str, Text, as_int, params_in, show
from tapcheck.requirements.common import LOG_GROUP, of_the_cluster
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)


def expected_name(cluster: Resource):
    """The log group name RDS writes the cluster's PostgreSQL log to: a Str or Text, or None when the
    cluster identifier is generated (not in the template)."""
    identifier = cluster.get("DBClusterIdentifier")
    if identifier is None:
        return None
    prefix, suffix = V["log_group_name"].split("{cluster}")
    if isinstance(identifier, str):
        return Str(prefix + str(identifier).lower() + suffix, params_in(identifier))
    if isinstance(identifier, Text):
        parts = [Str(str(p).lower(), params_in(p)) if isinstance(p, str) else p for p in identifier.parts]
        return (
            Text((Str(prefix + parts[0]),) + tuple(parts[1:-1]) + (Str(parts[-1] + suffix),))
            if isinstance(parts[0], str) and isinstance(parts[-1], str)
            else None
        )
    return None


def _same(a, b) -> bool:
    if isinstance(a, Text) and isinstance(b, Text):
        return tuple(str(p) if isinstance(p, str) else p for p in a.parts) == tuple(
            str(p) if isinstance(p, str) else p for p in b.parts
        )
    return isinstance(a, str) and isinstance(b, str) and str(a) == str(b)


def _admits_upper_case(model: Model, name) -> list[str]:
    """Parameters a name is built from whose AllowedPattern (or its absence) admits upper-case letters."""
    loose = []
    for parameter in sorted(params_in(name)):
        declaration = model.parameters.get(parameter) or {}
        pattern = declaration.get("AllowedPattern") if isinstance(declaration, dict) else None
        samples = [str(declaration.get("Default", "a")).upper() or "A", "A"]
        try:
            if pattern is None or any(re.fullmatch(str(pattern), s) for s in samples):
                loose.append(parameter)
        except re.error:
            loose.append(parameter)
    return loose


def _created_before(model: Model, cluster: Resource, group: Resource) -> bool:
    """The cluster waits for the group: DependsOn it, directly or through what it depends on."""
    seen, todo = set(), list(cluster.depends_on)
    while todo:
        current = todo.pop()
        if current == group.logical_id:
            return True
        if current in seen or current not in model.resources:
            continue
        seen.add(current)
        todo += model.resources[current].depends_on
    return False


@check("postgresql-log-group")
@of_the_cluster
def postgresql_log_group(model: Model, cluster: Resource):
    """A log group of the stack named as RDS names the cluster's PostgreSQL log, with a retention, made first."""
    exports = cluster.get("EnableCloudwatchLogsExports") or []
    if not isinstance(exports, list) or V["log_type"] not in exports:
        return  # nothing exported: S2 reports it
    wanted = expected_name(cluster)
    if wanted is None:
        yield violation(
            cluster,
            ("DBClusterIdentifier",),
            f"DBClusterIdentifier is {show(cluster.get('DBClusterIdentifier'))}: RDS names the log group after "
            "an identifier the template does not know, so no log group of the stack can be the one RDS writes to",
            "Name the cluster (DBClusterIdentifier) and create the log group of that name in the stack",
        )
        return
    groups = [g for g in model.of_type(LOG_GROUP) if _same(g.get("LogGroupName"), wanted)]
    if not groups:
        yield violation(
            cluster,
            ("EnableCloudwatchLogsExports",),
            f"No log group of the stack is named {show(wanted)}: RDS creates it outside the stack, with no "
            "retention, and it outlives the stack",
            "Add an AWS::Logs::LogGroup with that LogGroupName, RetentionInDays, and make the cluster DependsOn it",
        )
        return
    group = groups[0]
    loose = _admits_upper_case(model, group.get("LogGroupName"))
    if loose:
        yield violation(
            group,
            ("LogGroupName",),
            f"The log group name is built from {', '.join(loose)}, whose AllowedPattern admits upper case; RDS "
            "stores the cluster identifier in lower case, so with such a value the names differ",
            f"Restrict {', '.join(loose)} to lower case (AllowedPattern ^[a-z0-9]+$)",
        )
    retention = as_int(group.get("RetentionInDays"))
    if retention not in V["retention_days"]:
        yield violation(
            group,
            ("RetentionInDays",),
            f"RetentionInDays is {show(group.get('RetentionInDays'))}: the statement log is kept for ever",
            "Set RetentionInDays (for example 365)",
        )
    if not _created_before(model, cluster, group):
        pointer = f"/Resources/{cluster.logical_id}" + ("/DependsOn" if cluster.depends_on else "")
        yield violation(
            cluster,
            pointer,
            f"The cluster does not wait for the log group {group.logical_id}: if RDS exports first, it "
            "creates the group itself and the stack's group fails to create",
            f"Add {group.logical_id} to the cluster's DependsOn",
        )
