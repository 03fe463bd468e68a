"""H5 — enhanced monitoring on every instance, through a role RDS monitoring can assume."""

from __future__ import annotations

from tapcheck.model import AttrRef, Model, as_int
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import INSTANCE, props

SPEC = "Hardening (AWS Control Tower CT.RDS.PR.2): enhanced monitoring"
INTERVALS = {1, 5, 10, 15, 30, 60}
MONITORING_PRINCIPAL = "monitoring.rds.amazonaws.com"


def check(model: Model):
    for instance in model.of_type(INSTANCE):
        interval = as_int(instance.get("MonitoringInterval", 0))
        if interval not in INTERVALS:
            yield violation(instance, ("MonitoringInterval",), f"MonitoringInterval is {instance.get('MonitoringInterval')!r}: "
                            "enhanced monitoring is off", "Set MonitoringInterval to 60 (or 1, 5, 10, 15, 30)", "interval")
            continue
        role_arn = instance.get("MonitoringRoleArn")
        role = model.resources.get(role_arn.logical_id) if isinstance(role_arn, AttrRef) and role_arn.attribute == "Arn" else None
        if role is None or role.type != "AWS::IAM::Role" or not _trusts_monitoring(role.get("AssumeRolePolicyDocument")):
            yield violation(instance, ("MonitoringRoleArn",),
                            "MonitoringRoleArn is not the Arn of a role that monitoring.rds.amazonaws.com can assume",
                            "Point MonitoringRoleArn at GetAtt <role>.Arn of a role trusting monitoring.rds.amazonaws.com",
                            "role")


def _trusts_monitoring(document) -> bool:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = (statement.get("Principal") or {}).get("Service") if isinstance(statement.get("Principal"), dict) else None
        services = principal if isinstance(principal, list) else [principal]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if MONITORING_PRINCIPAL in services and "sts:AssumeRole" in actions:
            return True
    return False


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["MonitoringInterval"] = "30"


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["MonitoringInterval"] = 0


REQUIREMENT = Requirement("H5", "Enhanced monitoring", SPEC, check, passing_example, failing_example)
