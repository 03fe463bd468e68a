"""H6 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import INSTANCE, props


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["AutoMinorVersionUpgrade"] = "true"


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["AutoMinorVersionUpgrade"] = False  # CT.RDS.PR.5
