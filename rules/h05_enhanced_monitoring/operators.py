"""H5 — mutation operators: each breaks one check of this folder (or one it shares), on a copy of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, monitoring_role, properties, set_or_remove
from tapcheck.requirements.unit import operator


@operator("enhanced-monitoring", lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (0, 45, "0", None)])
def monitoring_interval_off(t, choice):
    index, value = choice
    body = properties(cluster_instances(t)[index][1])
    set_or_remove(body, "MonitoringInterval", value)


@operator("enhanced-monitoring", ["ref-role", "literal-arn", "other-attribute"])
def monitoring_role_reference_wrong(t, how):
    """Ref of the role gives its name, not its ARN; a literal ARN is not this stack's role."""
    role, _ = monitoring_role(t)
    body = properties(cluster_instances(t)[0][1])
    if how == "ref-role":
        body["MonitoringRoleArn"] = {"Ref": role}
    elif how == "literal-arn":
        body["MonitoringRoleArn"] = "arn:aws:iam::123456789012:role/rds-monitoring"
    else:
        body["MonitoringRoleArn"] = {"Fn::GetAtt": [role, "RoleId"]}


@operator("enhanced-monitoring", ["principal", "action", "effect"])
def monitoring_role_trust_wrong(t, how):
    statement = properties(monitoring_role(t)[1])["AssumeRolePolicyDocument"]["Statement"][0]
    if how == "principal":
        statement["Principal"] = {"Service": "rds.amazonaws.com"}
    elif how == "action":
        statement["Action"] = "sts:AssumeRoleWithWebIdentity"
    else:
        statement["Effect"] = "Deny"
