"""H5 — enhanced monitoring on every instance, through a role RDS monitoring can assume."""

from __future__ import annotations

from tapcheck.model import AttrRef, Model, as_int, show
from tapcheck.requirements.common import INSTANCE, ROLE
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)


def trusts_monitoring(document) -> bool:
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    statements = statements if isinstance(statements, list) else [statements]
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        principal = (statement.get("Principal") or {}).get("Service") if isinstance(statement.get("Principal"), dict) else None
        services = principal if isinstance(principal, list) else [principal]
        actions = statement.get("Action")
        actions = actions if isinstance(actions, list) else [actions]
        if V["monitoring_principal"] in services and "sts:AssumeRole" in actions:
            return True
    return False


@check("enhanced-monitoring")
def enhanced_monitoring(model: Model):
    """Every instance has a MonitoringInterval > 0 and the Arn of a role monitoring.rds.amazonaws.com can assume."""
    for instance in model.of_type(INSTANCE):
        interval = as_int(instance.get("MonitoringInterval", 0))
        if interval not in V["intervals"]:
            yield violation(instance, ("MonitoringInterval",),
                            f"MonitoringInterval is {show(instance.get('MonitoringInterval'))}: enhanced monitoring is off",
                            "Set MonitoringInterval to 60 (or 1, 5, 10, 15, 30)")
            continue
        role_arn = instance.get("MonitoringRoleArn")
        role = model.resources.get(role_arn.logical_id) \
            if isinstance(role_arn, AttrRef) and role_arn.attribute == "Arn" else None
        if role is None or role.type != ROLE or not trusts_monitoring(role.get("AssumeRolePolicyDocument")):
            yield violation(instance, ("MonitoringRoleArn",),
                            f"MonitoringRoleArn ({show(role_arn)}) is not the Arn of a role that "
                            f"{V['monitoring_principal']} can assume",
                            f"Point MonitoringRoleArn at !GetAtt <role>.Arn of a role trusting {V['monitoring_principal']}")
