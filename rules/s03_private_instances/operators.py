"""S3 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, properties, set_or_remove
from tapcheck.requirements.unit import operator


@operator(
    "instances-private", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (True, "true", None)]
)
def instance_public(t, choice):
    """PubliclyAccessible true, or absent (public in a default VPC)."""
    index, value = choice
    body = properties(cluster_instances(t)[index][1])
    set_or_remove(body, "PubliclyAccessible", value)


@operator("instances-in-cluster", ["literal", "other-name"])
def instance_outside_cluster(t, how):
    """An instance naming the cluster by a literal name (no ordering) or another cluster."""
    body = properties(cluster_instances(t)[-1][1])
    body["DBClusterIdentifier"] = "aurora-postgres-cluster-prod" if how == "literal" else "some-other-cluster"
