"""C6 — exactly two Availability Zones: two distinct subnets, two instances."""

from __future__ import annotations

from tapcheck.model import Model, is_symbolic
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import INSTANCE, SUBNET_GROUP, instances_of, parameter_of, single, the_cluster

SPEC = "Deployment across exactly 2 AZs (seed C6)"
INSTANCES = 2


def check(model: Model):
    group, problems = single(model, SUBNET_GROUP, "the DB subnet group", "subnet-group")
    yield from problems
    if group is not None:
        subnets = group.get("SubnetIds")
        keys = [parameter_of(model, s) or (s if not is_symbolic(s) else repr(s)) for s in subnets] \
            if isinstance(subnets, list) else []
        if len(keys) != 2 or len(set(keys)) != 2:
            yield violation(group, ("SubnetIds",),
                            f"The subnet group spans {len(set(keys))} distinct subnet(s); two AZs need exactly two",
                            "Use exactly two distinct subnets, one per AZ", "subnets")
    cluster, problems = the_cluster(model)
    yield from problems
    if cluster is None:
        return
    instances = instances_of(model, cluster)
    if len(instances) != INSTANCES:
        yield violation(cluster, "", f"The cluster has {len(instances)} instance(s); one per AZ means exactly {INSTANCES}",
                        f"Declare exactly {INSTANCES} DB instances in the cluster", "instances")
    zones = [i.get("AvailabilityZone") for i in instances if i.get("AvailabilityZone") is not None]
    if len(zones) == len(instances) == INSTANCES and zones[0] == zones[1]:
        yield violation(instances[1], ("AvailabilityZone",), f"Both instances are pinned to {zones[0]!r}",
                        "Pin the instances to different AZs or leave AvailabilityZone out", "same-az")
    zones = cluster.get("AvailabilityZones")
    if isinstance(zones, list) and len(zones) != 2:
        yield violation(cluster, ("AvailabilityZones",), f"The cluster lists {len(zones)} AZ(s), not 2",
                        "List exactly two AZs or leave AvailabilityZones out", "cluster-azs")


def passing_example(template: dict) -> None:
    instance = next(r for r in template["Resources"].values() if r["Type"] == INSTANCE)
    instance["Properties"]["AvailabilityZone"] = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}


def failing_example(template: dict) -> None:
    group = next(r for r in template["Resources"].values() if r["Type"] == SUBNET_GROUP)
    group["Properties"]["SubnetIds"] = [{"Ref": "SubnetId1"}, {"Ref": "SubnetId1"}]


REQUIREMENT = Requirement("C6", "Exactly two AZs", SPEC, check, passing_example, failing_example)
