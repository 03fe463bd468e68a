"""C2 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, cluster_props, properties
from tapcheck.requirements.unit import operator


@operator("cluster-deletion-protection-off", [True, "true", "TRUE"])
def cluster_deletion_protection_on(t, value):
    cluster_props(t)["DeletionProtection"] = value


@operator(
    "instance-deletion-protection-off",
    lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (True, "true")],
)
def instance_deletion_protection_on(t, choice):
    index, value = choice
    properties(cluster_instances(t)[index][1])["DeletionProtection"] = value
