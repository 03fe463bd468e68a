"""H8 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import INSTANCE, props


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["EnablePerformanceInsights"] = "false"


def failing_example(template: dict) -> None:
    props(template, INSTANCE).update(EnablePerformanceInsights=True, PerformanceInsightsRetentionPeriod=7)
