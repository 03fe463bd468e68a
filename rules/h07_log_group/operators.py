"""H7 — mutation operators: the stack's log group missed, misnamed, kept for ever or made too late."""

from __future__ import annotations

from tapcheck.mutation.locate import NotApplicable, cluster, cluster_props, one, properties, resources, set_or_remove
from tapcheck.requirements.common import LOG_GROUP
from tapcheck.requirements.unit import operator


def _group(t) -> tuple[str, dict]:
    return one(t, LOG_GROUP)


@operator("postgresql-log-group")
def log_group_removed(t, _):
    """No log group of the stack: RDS creates its own, outside the stack, kept for ever."""
    key, _ = _group(t)
    del t["Resources"][key]
    for _, resource in resources(t):
        depends = resource.get("DependsOn")
        if depends == key:
            del resource["DependsOn"]
        elif isinstance(depends, list) and key in depends:
            remaining = [d for d in depends if d != key]
            if remaining:
                resource["DependsOn"] = remaining
            else:
                del resource["DependsOn"]


@operator("postgresql-log-group", ["error-log", "instance-path", "literal-other-cluster", "no-prefix"])
def log_group_misnamed(t, how):
    """A log group whose name is not the one RDS writes the cluster's PostgreSQL log to."""
    body = properties(_group(t)[1])
    body["LogGroupName"] = {
        "error-log": {"Fn::Sub": "/aws/rds/cluster/aurora-postgres-cluster-${EnvironmentSuffix}/error"},
        "instance-path": {"Fn::Sub": "/aws/rds/instance/aurora-postgres-cluster-${EnvironmentSuffix}/postgresql"},
        "literal-other-cluster": "/aws/rds/cluster/aurora-postgres-cluster-prod2/postgresql",
        "no-prefix": {"Fn::Sub": "aurora-postgres-cluster-${EnvironmentSuffix}/postgresql"},
    }[how]


@operator("postgresql-log-group", [None, 0, 42, "forever"])
def log_group_retention_changed(t, value):
    """No retention (kept for ever), or a value CloudWatch Logs does not accept."""
    set_or_remove(properties(_group(t)[1]), "RetentionInDays", value)


@operator("postgresql-log-group")
def cluster_does_not_wait_for_the_log_group(t, _):
    """The cluster no longer DependsOn the log group: RDS may create it first."""
    _, body = cluster(t)
    if "DependsOn" not in body:
        raise NotApplicable("no DependsOn")
    del body["DependsOn"]


@operator("postgresql-log-group", ["^[a-zA-Z0-9]+$", None])
def suffix_admits_upper_case(t, pattern):
    """EnvironmentSuffix admits upper case: RDS lower-cases the cluster identifier, the log group keeps it."""
    parameter = t.get("Parameters", {}).get("EnvironmentSuffix")
    if parameter is None:
        raise NotApplicable("EnvironmentSuffix")
    set_or_remove(parameter, "AllowedPattern", pattern)


@operator("postgresql-log-group")
def cluster_name_generated(t, _):
    """No DBClusterIdentifier: RDS names the cluster, and the log group, after a generated name."""
    cluster_props(t).pop("DBClusterIdentifier")
