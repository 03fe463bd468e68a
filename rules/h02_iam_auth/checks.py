"""H2 — IAM database authentication enabled."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.common import flag_violations, of_the_cluster
from tapcheck.requirements.unit import check


@check("iam-auth")
@of_the_cluster
def iam_auth(model: Model, cluster: Resource):
    """EnableIAMDatabaseAuthentication is true (RDS's default is off)."""
    # Default false: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    yield from flag_violations(cluster, "EnableIAMDatabaseAuthentication", True, False,
                               "IAM database authentication is off ({value})", "Set EnableIAMDatabaseAuthentication to true")
