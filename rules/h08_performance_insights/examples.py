"""H8 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, INSTANCE, props


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["EnablePerformanceInsights"] = "false"


def failing_example(template: dict) -> None:
    props(template, INSTANCE).update(EnablePerformanceInsights=True, PerformanceInsightsRetentionPeriod=7)


def failing_example_cluster_level(template: dict) -> None:
    """Performance Insights turned on for the whole cluster rather than per instance."""
    props(template, CLUSTER).update(PerformanceInsightsEnabled=True, PerformanceInsightsRetentionPeriod=7)
