"""C5 — every statement logged: log_statement=all where it takes effect."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import CLUSTER, CLUSTER_PARAMETER_GROUP, of_the_cluster, props
from tapcheck.requirements.r07_parameter_group import log_statement_violations

SPEC = "Parameter groups with slow query logging (log_statement='all') (seed C5)"


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from log_statement_violations(model, cluster, "log-statement")


def passing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["log_min_duration_statement"] = "1000"


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("DBClusterParameterGroupName")     # default group: log_statement none


REQUIREMENT = Requirement("C5", "log_statement=all in effect", SPEC, check, passing_example, failing_example)
