"""S4 — the cluster sits in the security group given as a parameter, and in no other."""

from __future__ import annotations

from tapcheck.model import Model, Resource, show
from tapcheck.requirements.common import of_the_cluster, parameter_of
from tapcheck.requirements.unit import check, values, violation

PARAMETER = values(__file__)["security_group_parameter"]


@check("security-group")
@of_the_cluster
def security_group(model: Model, cluster: Resource):
    """VpcSecurityGroupIds is exactly [the VpcSecurityGroupId parameter] (absent means the VPC's default group)."""
    groups = cluster.get("VpcSecurityGroupIds")
    sources = [parameter_of(model, g) for g in groups] if isinstance(groups, list) else None
    if sources != [PARAMETER]:
        yield violation(
            cluster,
            ("VpcSecurityGroupIds",),
            f"VpcSecurityGroupIds is {show(groups)}, not exactly the {PARAMETER} parameter",
            f"Set VpcSecurityGroupIds to [!Ref {PARAMETER}]",
        )
