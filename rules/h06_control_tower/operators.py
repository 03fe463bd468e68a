"""H6 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, monitoring_role, properties
from tapcheck.requirements.unit import operator


@operator(
    "control-tower", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (False, "false")], tools=True
)
def auto_minor_version_upgrade_off(t, choice):
    """CT.RDS.PR.5: no other requirement asks for minor version upgrades."""
    index, value = choice
    properties(cluster_instances(t)[index][1])["AutoMinorVersionUpgrade"] = value


@operator("control-tower", ["action-wildcard", "resource-wildcard-all"], tools=True)
def monitoring_role_inline_wildcard(t, how):
    """CT.IAM.PR.1 / PR.5: an inline policy granting everything."""
    statement = (
        {"Effect": "Allow", "Action": "*", "Resource": "*"}
        if how == "resource-wildcard-all"
        else {"Effect": "Allow", "Action": "rds:*", "Resource": "*"}
    )
    properties(monitoring_role(t)[1])["Policies"] = [
        {"PolicyName": "extra", "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
    ]
