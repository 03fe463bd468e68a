"""C6 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

import copy

from tapcheck.mutation.locate import attached_subnet_group, cluster_instances, cluster_props, duplicate, properties
from tapcheck.requirements.unit import operator


@operator("two-subnets", ["same-twice", "three", "one"])
def subnets_not_two(t, how):
    ids = properties(attached_subnet_group(t)[1])["SubnetIds"]
    if how == "same-twice":
        ids[1] = copy.deepcopy(ids[0])
    elif how == "three":
        ids.append("subnet-0123456789abcdef0")
    else:
        del ids[1]


@operator("two-instances")
def instance_removed(t, _):
    """One instance: one AZ."""
    key, _ = cluster_instances(t)[-1]
    del t["Resources"][key]


@operator("two-instances")
def instance_added(t, _):
    key, _ = cluster_instances(t)[-1]
    new = duplicate(t, key, "ThirdInstance")
    properties(t["Resources"][new])["DBInstanceIdentifier"] = {"Fn::Sub": "aurora-instance-3-${EnvironmentSuffix}"}


@operator("two-instances", ["us-east-1a", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}])
def instances_same_az(t, zone):
    for _, instance in cluster_instances(t):
        properties(instance)["AvailabilityZone"] = copy.deepcopy(zone)


@operator("two-instances", [1, 3])
def cluster_az_count(t, count):
    cluster_props(t)["AvailabilityZones"] = [{"Fn::Select": [i, {"Fn::GetAZs": ""}]} for i in range(count)]


@operator("the-subnet-group")
def subnet_group_duplicated(t, _):
    key, _ = attached_subnet_group(t)
    new = duplicate(t, key, "SpareSubnetGroup")
    properties(t["Resources"][new])["DBSubnetGroupName"] = {"Fn::Sub": "spare-subnets-${EnvironmentSuffix}"}
