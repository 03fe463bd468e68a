"""H7 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import LOG_GROUP, props


def passing_example(template: dict) -> None:
    props(template, LOG_GROUP)["RetentionInDays"] = "731"


def failing_example(template: dict) -> None:
    props(template, LOG_GROUP).pop("RetentionInDays")  # never expires
