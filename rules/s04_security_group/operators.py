"""S4 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_props
from tapcheck.requirements.unit import operator


@operator("security-group", ["removed", "literal", "extra", "empty"])
def security_group_changed(t, how):
    body = cluster_props(t)
    if how == "removed":
        body.pop("VpcSecurityGroupIds")
    elif how == "literal":
        body["VpcSecurityGroupIds"] = ["sg-0123456789abcdef0"]
    elif how == "extra":
        body["VpcSecurityGroupIds"].append("sg-0123456789abcdef0")
    else:
        body["VpcSecurityGroupIds"] = []
