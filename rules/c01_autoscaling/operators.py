"""C1 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, cluster_props, properties
from tapcheck.requirements.unit import operator


@operator("capacity", [(0.5, 2), (1, 1), (0.5, 64), (0, 1)])
def scaling_range_changed(t, bounds):
    cluster_props(t)["ServerlessV2ScalingConfiguration"] = {"MinCapacity": bounds[0], "MaxCapacity": bounds[1]}


@operator("capacity")
def scaling_configuration_removed(t, _):
    cluster_props(t).pop("ServerlessV2ScalingConfiguration")


@operator(
    "serverless-instances",
    lambda t: [(i, c) for i in range(len(cluster_instances(t))) for c in ("db.r6g.large", "db.serverless2")],
)
def instance_not_serverless(t, choice):
    index, klass = choice
    properties(cluster_instances(t)[index][1])["DBInstanceClass"] = klass
