"""R5 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

import copy

from tapcheck.mutation.locate import attached_subnet_group, cluster_props, duplicate, properties
from tapcheck.requirements.unit import operator


@operator("subnets-from-parameters", ["literal", "same-twice", "three", "one", "swapped-for-sg"])
def subnet_ids_changed(t, how):
    group = properties(attached_subnet_group(t)[1])
    ids = group["SubnetIds"]
    if how == "literal":
        ids[1] = "subnet-0123456789abcdef0"
    elif how == "same-twice":
        ids[1] = copy.deepcopy(ids[0])
    elif how == "three":
        ids.append("subnet-0123456789abcdef0")
    elif how == "one":
        del ids[1]
    else:
        ids[1] = {"Ref": "VpcSecurityGroupId"}


@operator("subnet-group-attached", ["default", "removed", "other-group"])
def subnet_group_detached(t, how):
    """The cluster no longer uses the template's subnet group."""
    if how == "default":
        cluster_props(t)["DBSubnetGroupName"] = "default"
    elif how == "removed":
        cluster_props(t).pop("DBSubnetGroupName")
    else:
        key, _ = attached_subnet_group(t)
        other = duplicate(t, key, "OtherSubnetGroup")
        properties(t["Resources"][other])["SubnetIds"] = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]
        properties(t["Resources"][other])["DBSubnetGroupName"] = {"Fn::Sub": "other-subnets-${EnvironmentSuffix}"}
        cluster_props(t)["DBSubnetGroupName"] = {"Ref": other}
