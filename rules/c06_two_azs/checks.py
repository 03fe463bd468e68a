"""C6 — exactly two Availability Zones: two distinct subnets, one instance in each."""

from __future__ import annotations

from tapcheck.model import Model, Unknown, is_symbolic, show
from tapcheck.requirements.common import SUBNET_GROUP, instances_of, of_the_cluster, only, parameter_of
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)
ZONES = V["availability_zones"]


@check("two-subnets")
def two_subnets(model: Model):
    """The subnet group holds exactly two distinct subnets (one per AZ)."""
    group = only(model, SUBNET_GROUP)
    if group is None:
        return
    subnets = group.get("SubnetIds")
    if isinstance(subnets, Unknown) or (isinstance(subnets, list) and any(isinstance(s, Unknown) for s in subnets)):
        yield violation(
            group,
            ("SubnetIds",),
            f"SubnetIds is {show(subnets)}: the number of subnets cannot be known before deploy",
            f"List exactly {ZONES} subnets, one per AZ",
        )
        return
    keys = (
        [parameter_of(model, s) or (s if not is_symbolic(s) else show(s)) for s in subnets]
        if isinstance(subnets, list)
        else []
    )
    if len(keys) != ZONES or len(set(keys)) != ZONES:
        yield violation(
            group,
            ("SubnetIds",),
            f"The subnet group spans {len(set(keys))} distinct subnet(s) ({show(subnets)}); "
            f"{ZONES} AZs need exactly {ZONES}",
            f"Use exactly {ZONES} distinct subnets, one per AZ",
        )


@check("two-instances")
@of_the_cluster
def two_instances(model: Model, cluster):
    """The cluster has exactly two instances, not pinned to one AZ, and lists no other number of AZs."""
    instances = instances_of(model, cluster)
    if len(instances) != ZONES:
        yield violation(
            cluster,
            "",
            f"The cluster has {len(instances)} instance(s); one per AZ means exactly {ZONES}",
            f"Declare exactly {ZONES} DB instances in the cluster",
        )
    zones = [i.get("AvailabilityZone") for i in instances if i.get("AvailabilityZone") is not None]
    if len(zones) == len(instances) == ZONES and zones[0] == zones[1]:
        yield violation(
            instances[1],
            ("AvailabilityZone",),
            f"Both instances are pinned to {show(zones[0])}",
            "Pin the instances to different AZs or leave AvailabilityZone out",
        )
    listed = cluster.get("AvailabilityZones")
    if isinstance(listed, list) and len(listed) != ZONES:
        yield violation(
            cluster,
            ("AvailabilityZones",),
            f"The cluster lists {len(listed)} AZ(s), not {ZONES}",
            f"List exactly {ZONES} AZs or leave AvailabilityZones out",
        )
