"""R2 — Serverless v2 capacity: minimum 0.5 ACU, maximum 1 ACU."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_number
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, of_the_cluster, props

SPEC = "Min 0.5 ACU, Max 1 ACU scaling (seed R2)"
EXPECTED = {"MinCapacity": 0.5, "MaxCapacity": 1.0}


def scaling_violations(cluster: Resource, rule: str):
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    if not isinstance(scaling, dict):
        yield violation(cluster, ("ServerlessV2ScalingConfiguration",), "No Serverless v2 scaling configuration",
                        "Set ServerlessV2ScalingConfiguration MinCapacity 0.5 and MaxCapacity 1", rule)
        return
    for key, wanted in EXPECTED.items():
        got = as_number(scaling.get(key))
        if got != wanted:
            yield violation(cluster, ("ServerlessV2ScalingConfiguration", key),
                            f"{key} is {scaling.get(key)!r}, not {wanted:g} ACU",
                            f"Set {key} to {wanted:g}", rule)


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from scaling_violations(cluster, "capacity")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["ServerlessV2ScalingConfiguration"] = {"MaxCapacity": "1", "MinCapacity": "0.5"}


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] = 2


REQUIREMENT = Requirement("R2", "Capacity 0.5–1 ACU", SPEC, check, passing_example, failing_example)
