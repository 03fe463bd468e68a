"""R2 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["ServerlessV2ScalingConfiguration"] = {"MaxCapacity": "1", "MinCapacity": "0.5"}


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] = 2
