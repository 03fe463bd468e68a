"""H3 — snapshots inherit the cluster's tags."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.common import flag_violations, of_the_cluster
from tapcheck.requirements.unit import check


@check("copy-tags")
@of_the_cluster
def copy_tags(model: Model, cluster: Resource):
    """CopyTagsToSnapshot is true (RDS's default is off)."""
    # Default false: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    yield from flag_violations(
        cluster,
        "CopyTagsToSnapshot",
        True,
        False,
        "Snapshots do not inherit the cluster's tags (CopyTagsToSnapshot is {value})",
        "Set CopyTagsToSnapshot to true",
    )
