"""R1 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props
from tapcheck.requirements.engine_versions import supported_minors


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["EngineVersion"] = supported_minors("15")[0]  # another supported minor


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["EngineVersion"] = "15.4"  # the seed's deprecated pin
