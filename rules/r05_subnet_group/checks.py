"""R5 — one DB subnet group, built from the SubnetId1 and SubnetId2 parameters, used by the cluster."""

from __future__ import annotations

from tapcheck.model import Model, show
from tapcheck.requirements.common import SUBNET_GROUP, exactly_one, names, only, parameter_of, the_cluster
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)


@check("the-subnet-group")
def the_subnet_group(model: Model):
    """Exactly one AWS::RDS::DBSubnetGroup."""
    yield from exactly_one(model, SUBNET_GROUP, "the DB subnet group")


@check("subnets-from-parameters")
def subnets_from_parameters(model: Model):
    """The subnet group's SubnetIds are exactly the two subnet parameters."""
    group = only(model, SUBNET_GROUP)
    if group is None:
        return
    subnets = group.get("SubnetIds")
    wanted = sorted(V["subnet_parameters"])
    sources = [parameter_of(model, s) for s in subnets] if isinstance(subnets, list) else None
    if sources is None or sorted(s or "?" for s in sources) != wanted:
        yield violation(
            group,
            ("SubnetIds",),
            f"SubnetIds must be exactly the parameters {' and '.join(wanted)}; found {show(subnets)}",
            "Set SubnetIds to [" + ", ".join(f"!Ref {p}" for p in wanted) + "]",
        )


@check("subnet-group-attached")
def subnet_group_attached(model: Model):
    """The cluster is placed in the template's subnet group."""
    group, cluster = only(model, SUBNET_GROUP), the_cluster(model)
    if group is not None and cluster is not None and not names(model, cluster.get("DBSubnetGroupName"), group, cluster):
        yield violation(
            cluster,
            ("DBSubnetGroupName",),
            f"The cluster's DBSubnetGroupName is {show(cluster.get('DBSubnetGroupName'))}, not the template's "
            "DB subnet group",
            f"Set DBSubnetGroupName to !Ref {group.logical_id}",
        )
