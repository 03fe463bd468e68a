"""S1 — a rewrite that keeps the detail met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["PreferredMaintenanceWindow"] = "Mon:04:00-Mon:05:00"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["PreferredMaintenanceWindow"] = "mon:03:30-mon:04:30"
