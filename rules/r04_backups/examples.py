"""R4 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["BackupRetentionPeriod"] = "7"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["BackupRetentionPeriod"] = 6
