"""C8 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import ALARM, props


def passing_example(template: dict) -> None:
    props(template, ALARM)["Threshold"] = "80"


def failing_example(template: dict) -> None:
    props(template, ALARM)["ComparisonOperator"] = "GreaterThanOrEqualToThreshold"
