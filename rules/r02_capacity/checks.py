"""R2 — Serverless v2 scaling between 0.5 and 1 ACU."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_number, show
from tapcheck.requirements.common import of_the_cluster
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)
BOUNDS = {"MinCapacity": V["min_capacity"], "MaxCapacity": V["max_capacity"]}


@check("capacity")
@of_the_cluster
def capacity(model: Model, cluster: Resource):
    """ServerlessV2ScalingConfiguration MinCapacity 0.5 and MaxCapacity 1."""
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    if not isinstance(scaling, dict):
        yield violation(
            cluster,
            ("ServerlessV2ScalingConfiguration",),
            f"No Serverless v2 scaling configuration ({show(scaling)})",
            f"Set ServerlessV2ScalingConfiguration MinCapacity {BOUNDS['MinCapacity']:g} and "
            f"MaxCapacity {BOUNDS['MaxCapacity']:g}",
        )
        return
    for key, wanted in BOUNDS.items():
        if as_number(scaling.get(key)) != wanted:
            yield violation(
                cluster,
                ("ServerlessV2ScalingConfiguration", key),
                f"{key} is {show(scaling.get(key))}, not {wanted:g} ACU",
                f"Set {key} to {wanted:g}",
            )
