"""C5 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, CLUSTER_PARAMETER_GROUP, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["log_min_duration_statement"] = "1000"


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("DBClusterParameterGroupName")  # default group: log_statement none
