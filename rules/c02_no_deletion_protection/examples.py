"""C2 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, INSTANCE, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["DeletionProtection"] = "false"


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["DeletionProtection"] = True
