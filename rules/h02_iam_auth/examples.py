"""H2 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["EnableIAMDatabaseAuthentication"] = "true"


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("EnableIAMDatabaseAuthentication")
