"""H5 — enhanced monitoring on every instance, through a role RDS monitoring can assume."""

from __future__ import annotations

import fnmatch

from tapcheck.model import Model, PseudoRef, Resource, ResourceRef, Text, as_int, show
from tapcheck.policies import as_list, statement_covers, statements
from tapcheck.references import role_of
from tapcheck.requirements.common import INSTANCE
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
    """Every instance has a MonitoringInterval > 0 and the Arn of a role monitoring.rds.amazonaws.com can assume,
    which carries the permissions of AmazonRDSEnhancedMonitoringRole (no Deny, no boundary leaving them out)."""
    judged = set()                       # a role two instances share is reported once
    for instance in model.of_type(INSTANCE):
        interval = as_int(instance.get("MonitoringInterval", 0))
        if interval not in V["intervals"]:
            yield violation(instance, ("MonitoringInterval",),
                            f"MonitoringInterval is {show(instance.get('MonitoringInterval'))}: enhanced monitoring is off",
                            "Set MonitoringInterval to 60 (or 1, 5, 10, 15, 30)")
            continue
        role_arn = instance.get("MonitoringRoleArn")
        role = role_of(model, role_arn)
        if role is None or not trusts_monitoring(role.get("AssumeRolePolicyDocument")):
            yield violation(instance, ("MonitoringRoleArn",),
                            f"MonitoringRoleArn ({show(role_arn)}) is not the Arn of a role that "
                            f"{V['monitoring_principal']} can assume",
                            f"Point MonitoringRoleArn at !GetAtt <role>.Arn of a role trusting {V['monitoring_principal']}")
            continue
        if role.logical_id not in judged:
            judged.add(role.logical_id)
            yield from role_permission_violations(model, role)


# --- what the monitoring role may do ------------------------------------------------------------
# Enhanced monitoring publishes through the role with the permissions of the AWS managed policy
# AmazonRDSEnhancedMonitoringRole (USER_Monitoring.OS.Enabling.html). Its documented content
# (v1, https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonRDSEnhancedMonitoringRole.html):
# logs:CreateLogGroup and logs:PutRetentionPolicy on arn:aws:logs:*:*:log-group:RDS*, and
# logs:CreateLogStream, PutLogEvents, DescribeLogStreams, GetLogEvents on its log streams.
# An explicit Deny beats any Allow, and a permissions boundary caps what the policies allow:
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html

MANAGED_POLICY_PAGE = "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonRDSEnhancedMonitoringRole.html"
EVALUATION_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
MANAGED_POLICY_DOCUMENT = {"Statement": [
    {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
     "Resource": ["arn:aws:logs:*:*:log-group:RDS*"]},
    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
                                   "logs:GetLogEvents"],
     "Resource": ["arn:aws:logs:*:*:log-group:RDS*:log-stream:*"]},
]}
# A sample of what the role acts on: RDS writes to the RDSOSMetrics group (USER_Monitoring.OS.Enabling.html).
_SAMPLE = {"group": "arn:aws:logs:us-east-1:123456789012:log-group:RDSOSMetrics",
           "stream": "arn:aws:logs:us-east-1:123456789012:log-group:RDSOSMetrics:log-stream:db-instance"}
NEEDED = [(action, "group") for action in ("logs:CreateLogGroup", "logs:PutRetentionPolicy")] + \
         [(action, "stream") for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams",
                                            "logs:GetLogEvents")]


def _flat(value) -> str | None:
    """A resource ARN as text, the stack's partition, region and account written as a sample."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Text):
        sample = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012"}
        out = []
        for part in value.parts:
            if isinstance(part, str):
                out.append(str(part))
            elif isinstance(part, PseudoRef) and part.name in sample:
                out.append(sample[part.name])
            else:
                return None
        return "".join(out)
    return None


def _applies(statement: dict, action: str, resource: str) -> bool:
    resources = [_flat(r) for r in as_list(statement.get("Resource"))]
    return statement_covers(statement, action) and any(r is not None and fnmatch.fnmatchcase(
        resource, r) for r in resources)


def allowed(documents: list, action: str, on: str) -> bool:
    """An unconditional Allow of action on the sample resource in any document."""
    return any(s.get("Effect") == "Allow" and "Condition" not in s and _applies(s, action, _SAMPLE[on])
               for d in documents for s in statements(d))


def denied(documents: list, action: str, on: str) -> bool:
    """A Deny that may apply (its conditions are not evaluated: they may hold)."""
    return any(s.get("Effect") == "Deny" and _applies(s, action, _SAMPLE[on]) for d in documents for s in statements(d))


def is_monitoring_policy_arn(value) -> bool:
    """arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole, partition literal or ${AWS::Partition}."""
    text = _flat(value)
    return text is not None and text == f"arn:aws:iam::aws:policy/service-role/{V['monitoring_policy']}"


def _managed_policy(model: Model, arn) -> Resource | None:
    """An AWS::IAM::ManagedPolicy of this stack (Ref returns its ARN)."""
    if isinstance(arn, ResourceRef):
        resource = model.resources.get(arn.logical_id)
        return resource if resource is not None and resource.type == "AWS::IAM::ManagedPolicy" else None
    return None


def _names_role(model: Model, value, role: Resource) -> bool:
    return value == ResourceRef(role.logical_id) or (role.get("RoleName") is not None and value == role.get("RoleName"))


def permission_documents(model: Model, role: Resource) -> tuple[list, list]:
    """(documents in force, managed policy ARNs not knowable from the template) for a role: its
    inline Policies, its ManagedPolicyArns (the AWS managed monitoring policy by its documented
    content, the stack's own managed policies), and the stack's AWS::IAM::Policy,
    AWS::IAM::RolePolicy and AWS::IAM::ManagedPolicy resources attached to it."""
    documents, unknown = [], []
    for policy in as_list(role.get("Policies") or []):
        if isinstance(policy, dict):
            documents.append(policy.get("PolicyDocument"))
    for arn in as_list(role.get("ManagedPolicyArns") or []):
        managed = _managed_policy(model, arn)
        if is_monitoring_policy_arn(arn):
            documents.append(MANAGED_POLICY_DOCUMENT)
        elif managed is not None:
            documents.append(managed.get("PolicyDocument"))
        else:
            unknown.append(arn)
    for other in model.of_type("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
        if any(_names_role(model, r, role) for r in as_list(other.get("Roles") or [])):
            documents.append(other.get("PolicyDocument"))
    for other in model.of_type("AWS::IAM::RolePolicy"):
        if _names_role(model, other.get("RoleName"), role):
            documents.append(other.get("PolicyDocument"))
    return documents, unknown


def role_permission_violations(model: Model, role: Resource):
    """The monitoring role carries what AmazonRDSEnhancedMonitoringRole grants, no Deny of it,
    and no permissions boundary that leaves it out."""
    documents, _ = permission_documents(model, role)
    fix = (f"Attach arn:${{AWS::Partition}}:iam::aws:policy/service-role/{V['monitoring_policy']} to {role.logical_id} "
           f"(ManagedPolicyArns) and remove what denies it ({MANAGED_POLICY_PAGE})")
    missing = [action for action, on in NEEDED if not allowed(documents, action, on)]
    if missing:
        yield violation(role, ("ManagedPolicyArns",),
                        f"H5: the monitoring role {role.logical_id} is not allowed {', '.join(missing)}: enhanced "
                        "monitoring cannot publish the instances' OS metrics", fix)
        return
    refused = [action for action, on in NEEDED if denied(documents, action, on)]
    if refused:
        yield violation(role, ("Policies",),
                        f"H5: a policy of the monitoring role {role.logical_id} denies {', '.join(refused)}: an explicit "
                        "Deny beats the managed policy's Allow, enhanced monitoring cannot publish",
                        f"Remove the Deny ({EVALUATION_PAGE}); {fix}")
        return
    boundary = role.get("PermissionsBoundary")
    if boundary is None:
        return
    if is_monitoring_policy_arn(boundary):
        return
    managed = _managed_policy(model, boundary)
    if managed is None:
        yield violation(role, ("PermissionsBoundary",),
                        f"H5: the monitoring role {role.logical_id} has the permissions boundary {show(boundary)}, "
                        "a policy outside the template: whether it allows enhanced monitoring cannot be known",
                        f"Remove PermissionsBoundary or use a managed policy of this stack that allows the actions of "
                        f"{V['monitoring_policy']} ({MANAGED_POLICY_PAGE})")
        return
    capped = [action for action, on in NEEDED if not allowed([managed.get("PolicyDocument")], action, on)
              or denied([managed.get("PolicyDocument")], action, on)]
    if capped:
        yield violation(role, ("PermissionsBoundary",),
                        f"H5: the permissions boundary {managed.logical_id} of the monitoring role {role.logical_id} "
                        f"does not allow {', '.join(capped)}: enhanced monitoring cannot publish",
                        f"Let the boundary allow the actions of {V['monitoring_policy']} "
                        "(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)")
