"""R7 — a custom cluster parameter group with log_statement=all, attached, family matching the engine."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_str
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER_PARAMETER_GROUP, instances_of, names, of_the_cluster, props

SPEC = "Custom parameter group with log_statement='all' (seed R7)"
FAMILY = "aurora-postgresql15"


def attached_group(model: Model, cluster: Resource) -> Resource | None:
    for group in model.of_type(CLUSTER_PARAMETER_GROUP):
        if names(model, cluster.get("DBClusterParameterGroupName"), group, cluster):
            return group
    return None


def log_statement_violations(model: Model, cluster: Resource, rule: str):
    """log_statement must be 'all' where it takes effect: the attached cluster group, and any
    instance-level DB parameter group (which overrides the cluster's value)."""
    group = attached_group(model, cluster)
    if group is None:
        yield violation(cluster, ("DBClusterParameterGroupName",),
                        "No custom cluster parameter group of this template is attached: log_statement stays at the default (none)",
                        "Set DBClusterParameterGroupName to Ref the parameter group", rule)
        return
    parameters = group.get("Parameters")
    value = parameters.get("log_statement") if isinstance(parameters, dict) else None
    if as_str(value) != "all":
        yield violation(group, ("Parameters", "log_statement"), f"log_statement is {value!r}, not 'all'",
                        "Set Parameters.log_statement to all", rule)
    for instance in instances_of(model, cluster):
        override = _instance_parameter(model, instance, "log_statement")
        if override is not None and as_str(override) != "all":
            yield violation(instance, ("DBParameterGroupName",),
                            f"The instance's DB parameter group overrides log_statement with {override!r}",
                            "Remove log_statement from the instance parameter group or set it to all", rule)


def _instance_parameter(model: Model, instance: Resource, name: str):
    for group in model.of_type("AWS::RDS::DBParameterGroup"):
        if names(model, instance.get("DBParameterGroupName"), group, instance):
            parameters = group.get("Parameters")
            return parameters.get(name) if isinstance(parameters, dict) else None
    return None


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from log_statement_violations(model, cluster, "log-statement")
    group = attached_group(model, cluster)
    if group is not None and group.get("Family") != FAMILY:
        yield violation(group, ("Family",), f"Family is {group.get('Family')!r}; the engine (PostgreSQL 15) needs {FAMILY}",
                        f"Set Family to {FAMILY}", "family")


def passing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"] = {"rds.force_ssl": 1, "log_statement": "all"}


def failing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["log_statement"] = "ddl"


REQUIREMENT = Requirement("R7", "Cluster parameter group with log_statement=all", SPEC, check,
                          passing_example, failing_example)
