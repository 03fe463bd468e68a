"""C3 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["BackupRetentionPeriod"] = 7.0


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("BackupRetentionPeriod")  # RDS default: 1 day
