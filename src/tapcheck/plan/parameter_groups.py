"""pending-reboot: a changed static database parameter takes effect only after a reboot, and
CloudFormation never reboots.

- "Changes to dynamic parameters are applied to the DB cluster immediately without a reboot.
  Changes to static parameters are applied only after the DB cluster is rebooted"
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBClusterParameterGroup.html).
- CloudFormation's parameter-group handlers modify the parameters and wait for the clusters to
  be available; they issue no reboot
  (https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds/tree/master/aws-rds-dbclusterparametergroup).

Which parameters are static: AWS publishes each parameter's apply type only through
DescribeDBClusterParameters / DescribeEngineDefaultClusterParameters (ApplyType), which needs
an account. Offline, the PostgreSQL 15 server's own contexts decide for community parameters:
a `postmaster` setting cannot be applied without a server restart
(https://www.postgresql.org/docs/15/view-pg-settings.html), so it is static on any PostgreSQL.
Every other community setting is reported as dynamic by PostgreSQL's rules (AWS does not
document a mapping; the apply type AWS reports may differ). RDS- and Aurora-specific parameters
(rds.*, aurora.*, apg_* ...) are "unknown".
"""

from __future__ import annotations

import json
import re
from typing import Any

from tapcheck.model import Model, ResourceRef, Text
from tapcheck.plan.diff import Change
from tapcheck.plan.postgres15_settings import RELOAD, RESTART
from tapcheck.plan.values import MISSING, canonical, flat_text

# parameter group type -> (type that uses it, the property naming it)
USERS = {
    "AWS::RDS::DBClusterParameterGroup": ("AWS::RDS::DBCluster", "DBClusterParameterGroupName"),
    "AWS::RDS::DBParameterGroup": ("AWS::RDS::DBInstance", "DBParameterGroupName"),
}
MODIFY_API = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBClusterParameterGroup.html"
DBCLUSTER_PAGE = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html"
)
_POSTGRES_15 = re.compile(r"^(aurora-postgresql|postgres)15$")


def pending_reboot(change: Change, new: Model) -> None:
    if change.action != "modify":
        return
    if change.type in USERS and any(p.name == "Parameters" for p in change.properties):
        _changed_parameters(change, new)
    for user_type, prop in USERS.values():
        if change.type == user_type and any(p.name == prop for p in change.properties):
            # "If you apply a parameter group to an existing DB cluster, then its DB instances
            # might need to reboot" (DBClusterParameterGroupName on DBCLUSTER_PAGE)
            change.add_risk(
                "pending-reboot",
                f"{prop} changes: the newly attached group's settings may wait for a "
                "reboot, which CloudFormation does not do (unknown offline which ones)",
                certain=False,
                source=DBCLUSTER_PAGE,
            )


def classify(name: str, family: Any) -> str:
    """static | dynamic | unknown"""
    if not isinstance(family, str) or not _POSTGRES_15.match(family.strip().lower()):
        return "unknown"
    if name in RESTART:
        return "static"
    if name in RELOAD:
        return "dynamic"
    return "unknown"


def _changed_parameters(change: Change, new: Model) -> None:
    before = _as_mapping(change.old.properties.get("Parameters", MISSING) if change.old else MISSING)
    after = _as_mapping(change.new.properties.get("Parameters", MISSING) if change.new else MISSING)
    if before is None or after is None:
        change.add_risk(
            "pending-reboot",
            "the parameters are not known before deployment: whether any is static is unknown",
            certain=False,
        )
        return
    names = sorted(
        n
        for n in set(before) | set(after)
        if canonical(before.get(n, MISSING), {}, {}) != canonical(after.get(n, MISSING), {}, {})
    )
    family = change.new.properties.get("Family") if change.new else None
    kinds = {name: classify(name, family) for name in names}
    static = [n for n, kind in kinds.items() if kind == "static"]
    unknown = [n for n, kind in kinds.items() if kind == "unknown"]
    dynamic = [n for n, kind in kinds.items() if kind == "dynamic"]
    users = _users(change, new)
    where = f"attached to {', '.join(users)}" if users else "attached to no resource of this template"
    if dynamic:
        change.notes.append(f"dynamic (applied at once, per PostgreSQL 15's contexts): {', '.join(dynamic)}")
    if static:
        change.add_risk(
            "pending-reboot",
            f"static {', '.join(static)} ({where}): applied only after a reboot of "
            "the instances, which CloudFormation never does",
            source=MODIFY_API,
        )
    if unknown:
        change.add_risk(
            "pending-reboot",
            f"unknown whether {', '.join(unknown)} is static: its apply type is only "
            "published by the RDS API (DescribeDBClusterParameters ApplyType)",
            certain=False,
            source=MODIFY_API,
        )


def _as_mapping(value: Any) -> dict | None:
    """Parameters is a JSON object, or a string holding one (the schema allows both)."""
    if value is MISSING:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and not isinstance(value, Text):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None


def _users(change: Change, new: Model) -> list[str]:
    user_type, prop = USERS[change.type]
    name = change.new.properties.get(USERS_NAME[change.type], MISSING) if change.new else MISSING
    users = []
    for logical_id, resource in new.resources.items():
        if resource.type != user_type:
            continue
        value = resource.properties.get(prop, MISSING)
        if value == ResourceRef(change.resource) or (
            name is not MISSING and value is not MISSING and flat_text(value).lower() == flat_text(name).lower()
        ):
            users.append(logical_id)
    return users


USERS_NAME = {
    "AWS::RDS::DBClusterParameterGroup": "DBClusterParameterGroupName",
    "AWS::RDS::DBParameterGroup": "DBParameterGroupName",
}
