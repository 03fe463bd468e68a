"""H5 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import INSTANCE, props


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["MonitoringInterval"] = "30"


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["MonitoringInterval"] = 0
