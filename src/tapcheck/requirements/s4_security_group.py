"""S4 — the cluster sits in the security group given as a parameter."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, parameter_of, props, of_the_cluster

SPEC = "Use the VPC security group passed as VpcSecurityGroupId"


@of_the_cluster
def check(model: Model, cluster: Resource):
    groups = cluster.get("VpcSecurityGroupIds")
    sources = [parameter_of(model, g) for g in groups] if isinstance(groups, list) else None
    if sources != ["VpcSecurityGroupId"]:
        yield violation(cluster, ("VpcSecurityGroupIds",),
                        "VpcSecurityGroupIds is not exactly the VpcSecurityGroupId parameter",
                        "Set VpcSecurityGroupIds to [Ref VpcSecurityGroupId]", "security-group")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["VpcSecurityGroupIds"] = [{"Fn::Sub": "${VpcSecurityGroupId}"}]


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("VpcSecurityGroupIds")        # the VPC's default security group


REQUIREMENT = Requirement("S4", "Cluster in the given security group", SPEC, check, passing_example, failing_example)
