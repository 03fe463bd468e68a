"""C1 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, INSTANCE, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["ServerlessV2ScalingConfiguration"] = {"MinCapacity": 0.5, "MaxCapacity": 1.0}


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["DBInstanceClass"] = "db.r6g.large"
