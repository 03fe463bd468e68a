"""R5 — a DB subnet group built from the two subnet parameters, used by the cluster."""

from __future__ import annotations

from tapcheck.model import Model
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import SUBNET_GROUP, names, parameter_of, props, single, the_cluster

SPEC = "DB subnet group with parameter-provided subnet IDs (seed R5)"
SUBNET_PARAMETERS = {"SubnetId1", "SubnetId2"}


def check(model: Model):
    group, problems = single(model, SUBNET_GROUP, "the DB subnet group", "subnet-group")
    yield from problems
    cluster, _ = the_cluster(model)
    if group is None:
        return
    subnets = group.get("SubnetIds")
    sources = [parameter_of(model, s) for s in subnets] if isinstance(subnets, list) else None
    if sources is None or sorted(s or "?" for s in sources) != sorted(SUBNET_PARAMETERS):
        yield violation(group, ("SubnetIds",),
                        f"SubnetIds must be exactly the parameters SubnetId1 and SubnetId2; found {_show(subnets, sources)}",
                        "Set SubnetIds to [Ref SubnetId1, Ref SubnetId2]", "subnets")
    if cluster is not None and not names(model, cluster.get("DBSubnetGroupName"), group, cluster):
        yield violation(cluster, ("DBSubnetGroupName",), "The cluster does not use the template's DB subnet group",
                        f"Set DBSubnetGroupName to Ref {group.logical_id}", "attached")


def _show(subnets, sources) -> str:
    if not isinstance(subnets, list):
        return repr(subnets)
    return "[" + ", ".join(src or repr(str(s)) for s, src in zip(subnets, sources)) + "]"


def passing_example(template: dict) -> None:
    props(template, SUBNET_GROUP)["SubnetIds"] = [{"Ref": "SubnetId2"}, {"Ref": "SubnetId1"}]


def failing_example(template: dict) -> None:
    props(template, SUBNET_GROUP)["SubnetIds"] = [{"Ref": "SubnetId1"}, "subnet-0123456789abcdef0"]


REQUIREMENT = Requirement("R5", "DB subnet group from the subnet parameters", SPEC, check,
                          passing_example, failing_example)
