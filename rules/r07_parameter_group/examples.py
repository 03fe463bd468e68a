"""R7 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER_PARAMETER_GROUP, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"] = {"rds.force_ssl": 1, "log_statement": "all"}


def failing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["log_statement"] = "ddl"
