"""H3 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["CopyTagsToSnapshot"] = "True"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["CopyTagsToSnapshot"] = False
