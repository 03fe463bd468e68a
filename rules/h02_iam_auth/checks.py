"""H2 — IAM database authentication enabled."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_bool, as_number
from tapcheck.requirements.common import flag_violations, of_the_cluster
from tapcheck.requirements.unit import advisory, check


@check("iam-auth")
@of_the_cluster
def iam_auth(model: Model, cluster: Resource):
    """EnableIAMDatabaseAuthentication is true (RDS's default is off)."""
    # Default false: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    yield from flag_violations(
        cluster,
        "EnableIAMDatabaseAuthentication",
        True,
        False,
        "IAM database authentication is off ({value})",
        "Set EnableIAMDatabaseAuthentication to true",
    )


# Advisory. The Aurora Serverless v2 capacity page
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html)
# warns that IAM database authentication needs memory that a low minimum capacity may not have. Its current
# sentence did not come through the search tool (2026-12-07): the advisory rests on the reading
# of the page and says so.
CAPACITY_PAGE = (
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html"
)
LOW_CAPACITY_ACU = 1


@check("iam-auth-low-capacity")
@of_the_cluster
def iam_auth_low_capacity(model: Model, cluster: Resource):
    """Advisory: IAM database authentication on a Serverless v2 cluster whose minimum capacity is 1 ACU or less."""
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    minimum = as_number(scaling.get("MinCapacity")) if isinstance(scaling, dict) else None
    if (
        as_bool(cluster.get("EnableIAMDatabaseAuthentication")) is True
        and minimum is not None
        and minimum <= LOW_CAPACITY_ACU
    ):
        yield advisory(
            cluster,
            ("ServerlessV2ScalingConfiguration", "MinCapacity"),
            f"IAM database authentication with a minimum capacity of {minimum:g} ACU: AWS's Serverless v2 "
            "capacity page warns that IAM authentication adds memory overhead at low capacity (the page's "
            "current sentence could not be re-read here)",
            "Watch FreeableMemory and failed IAM logins at minimum capacity; raise MinCapacity if IAM "
            f"authentication fails under load ({CAPACITY_PAGE})",
            "low-capacity",
        )
