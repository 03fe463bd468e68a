"""H1 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER_PARAMETER_GROUP, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["rds.force_ssl"] = 1


def failing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["rds.force_ssl"] = "0"
