"""H5 — enhanced monitoring on every instance, through a role RDS monitoring can assume."""

from __future__ import annotations

from tapcheck.findings import Severity
from tapcheck.model import Model, Resource, ResourceRef, as_int, show
from tapcheck.policies import Decision, Outcome, Request, as_list, evaluate, statements
from tapcheck.policy_view import StackSample
from tapcheck.references import role_of
from tapcheck.requirements.common import INSTANCE
from tapcheck.requirements.unit import advisory, check, values, violation
from tapcheck.service_requests import RDS_MONITORING_ASSUMES_ROLE

V = values(__file__)


def trust_decision(model: Model, role: Resource, instance: Resource) -> Decision:
    """RDS enhanced monitoring assuming the role for the instance, decided on the role's trust policy
    (the request and its context keys: tapcheck.service_requests.RDS_MONITORING_ASSUMES_ROLE)."""
    sample = StackSample(model)
    request = RDS_MONITORING_ASSUMES_ROLE.requests(
        partition=sample.partition,
        region=sample.region,
        account=sample.account,
        role_path_name=(sample.role_path(role) + sample.name(role)).lstrip("/"),
        instance_id=sample.name(instance),
    )[0]
    return evaluate(sample.document(role.get("AssumeRolePolicyDocument")), request)


@check("enhanced-monitoring")
def enhanced_monitoring(model: Model):
    """Every instance has a MonitoringInterval > 0 and the Arn of a role monitoring.rds.amazonaws.com can assume,
    which carries the permissions of AmazonRDSEnhancedMonitoringRole (no Deny, no boundary leaving them out)."""
    judged = set()  # a role two instances share is reported once
    for instance in model.of_type(INSTANCE):
        interval = as_int(instance.get("MonitoringInterval", 0))
        if interval not in V["intervals"]:
            yield violation(
                instance,
                ("MonitoringInterval",),
                f"MonitoringInterval is {show(instance.get('MonitoringInterval'))}: enhanced monitoring is off",
                "Set MonitoringInterval to 60 (or 1, 5, 10, 15, 30)",
            )
            continue
        role_arn = instance.get("MonitoringRoleArn")
        role = role_of(model, role_arn)
        decision = trust_decision(model, role, instance) if role is not None else None
        if role is not None and decision is not None and decision.outcome is Outcome.UNKNOWN:
            yield advisory(
                role,
                ("AssumeRolePolicyDocument",),
                f"H5: whether {V['monitoring_principal']} may assume {role.logical_id} for "
                f"{instance.logical_id} cannot be decided: {decision.why_unknown()}",
                "Condition the trust on aws:SourceAccount and aws:SourceArn (the instance's ARN), the keys "
                f"AWS documents for the call ({decision.request.page})",
                "undecided",
                Severity.WARNING,
            )
        elif role is None or decision is None or not decision.allowed:
            why = f" ({decision.explain()})" if decision is not None else ""
            yield violation(
                instance,
                ("MonitoringRoleArn",),
                f"MonitoringRoleArn ({show(role_arn)}) is not the Arn of a role that "
                f"{V['monitoring_principal']} can assume for {instance.logical_id}{why}",
                f"Point MonitoringRoleArn at !GetAtt <role>.Arn of a role trusting {V['monitoring_principal']}"
                " (conditioned, if at all, on aws:SourceAccount = ${AWS::AccountId} and aws:SourceArn = "
                "this instance's ARN)",
            )
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

MANAGED_POLICY_PAGE = (
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonRDSEnhancedMonitoringRole.html"
)
EVALUATION_PAGE = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"
MANAGED_POLICY_DOCUMENT = {
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:PutRetentionPolicy"],
            "Resource": ["arn:aws:logs:*:*:log-group:RDS*"],
        },
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"],
            "Resource": ["arn:aws:logs:*:*:log-group:RDS*:log-stream:*"],
        },
    ]
}


# What the role acts on: RDS writes to the RDSOSMetrics group (USER_Monitoring.OS.Enabling.html), in the
# stack's partition, region and account: before deploy the gate's sample stack's (tapcheck.policy_view,
# whose tokens no literal account or region equals), live the stack's own (the probe passes them).
def _acted_on(on: str, where: tuple[str, str, str]) -> str:
    partition, region, account = where
    group = f"arn:{partition}:logs:{region}:{account}:log-group:RDSOSMetrics"
    return group if on == "group" else f"{group}:log-stream:db-instance"


NEEDED = [(action, "group") for action in ("logs:CreateLogGroup", "logs:PutRetentionPolicy")] + [
    (action, "stream")
    for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents")
]


def where_of(sample: StackSample) -> tuple[str, str, str]:
    return sample.partition, sample.region, sample.account


def decide(documents: list, action: str, on: str, where: tuple[str, str, str]) -> Decision:
    """The role (the identity its policies are attached to) calling action on what it acts on, in the
    partition, region and account `where`; `documents` are plain (StackSample.document, or IAM's)."""
    partition, _, account = where
    request = Request(
        f"arn:{partition}:iam::{account}:role/monitoring",
        action,
        _acted_on(on, where),
        {},
        page=MANAGED_POLICY_PAGE,
        name=f"the monitoring role {action}",
    )
    return evaluate(documents, request)


def allowed(documents: list, action: str, on: str, where: tuple[str, str, str]) -> bool:
    """An Allow of action that applies (whether a Deny also applies is denied's)."""
    allows = [{"Statement": [s for s in statements(d) if s.get("Effect") == "Allow"]} for d in documents]
    return decide(allows, action, on, where).outcome is Outcome.ALLOW


def denied(documents: list, action: str, on: str, where: tuple[str, str, str]) -> bool:
    """An explicit Deny of action that applies."""
    return decide(documents, action, on, where).outcome is Outcome.DENY


def is_monitoring_policy_arn(sample: StackSample, value) -> bool:
    """arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole, partition literal or ${AWS::Partition}."""
    return sample.text(value) == f"arn:{sample.partition}:iam::aws:policy/service-role/{V['monitoring_policy']}"


def _managed_policy(model: Model, arn) -> Resource | None:
    """An AWS::IAM::ManagedPolicy of this stack (Ref returns its ARN)."""
    if isinstance(arn, ResourceRef):
        resource = model.resources.get(arn.logical_id)
        return resource if resource is not None and resource.type == "AWS::IAM::ManagedPolicy" else None
    return None


def _names_role(model: Model, value, role: Resource) -> bool:
    return value == ResourceRef(role.logical_id) or (role.get("RoleName") is not None and value == role.get("RoleName"))


def permission_documents(sample: StackSample, role: Resource) -> tuple[list, list]:
    """(documents in force, as plain data, and managed policy ARNs not knowable from the template) for a
    role: its inline Policies, its ManagedPolicyArns (the AWS managed monitoring policy by its documented
    content, the stack's own managed policies), and the stack's AWS::IAM::Policy, AWS::IAM::RolePolicy
    and AWS::IAM::ManagedPolicy resources attached to it."""
    model = sample.model
    documents, unknown = [], []
    for policy in as_list(role.get("Policies") or []):
        if isinstance(policy, dict):
            documents.append(policy.get("PolicyDocument"))
    for arn in as_list(role.get("ManagedPolicyArns") or []):
        managed = _managed_policy(model, arn)
        if is_monitoring_policy_arn(sample, arn):
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
    return [sample.document(d) for d in documents], unknown


def role_permission_violations(model: Model, role: Resource):
    """The monitoring role carries what AmazonRDSEnhancedMonitoringRole grants, no Deny of it,
    and no permissions boundary that leaves it out."""
    sample = StackSample(model)
    where = where_of(sample)
    documents, _ = permission_documents(sample, role)
    fix = (
        f"Attach arn:${{AWS::Partition}}:iam::aws:policy/service-role/{V['monitoring_policy']} to {role.logical_id} "
        f"(ManagedPolicyArns) and remove what denies it ({MANAGED_POLICY_PAGE})"
    )
    decisions = {action: decide(documents, action, on, where) for action, on in NEEDED}
    missing = [a for a, d in decisions.items() if d.outcome is Outcome.IMPLICIT_DENY]
    if missing:
        yield violation(
            role,
            ("ManagedPolicyArns",),
            f"H5: the monitoring role {role.logical_id} is not allowed {', '.join(missing)}: enhanced "
            "monitoring cannot publish the instances' OS metrics",
            fix,
        )
        return
    refused = [a for a, d in decisions.items() if d.outcome is Outcome.DENY]
    if refused:
        yield violation(
            role,
            ("Policies",),
            f"H5: a policy of the monitoring role {role.logical_id} denies {', '.join(refused)}: an explicit "
            "Deny beats the managed policy's Allow, enhanced monitoring cannot publish",
            f"Remove the Deny ({EVALUATION_PAGE}); {fix}",
        )
        return
    unknown = [d for d in decisions.values() if d.outcome is Outcome.UNKNOWN]
    if unknown:
        yield advisory(
            role,
            ("Policies",),
            f"H5: whether the monitoring role {role.logical_id} may "
            f"{', '.join(d.request.action for d in unknown)} cannot be decided: {unknown[0].why_unknown()}",
            "Grant enhanced monitoring's actions without conditions AWS does not document for its calls "
            f"({MANAGED_POLICY_PAGE})",
            "undecided",
            Severity.WARNING,
        )
    boundary = role.get("PermissionsBoundary")
    if boundary is None:
        return
    if is_monitoring_policy_arn(sample, boundary):
        return
    managed = _managed_policy(model, boundary)
    if managed is None:
        yield violation(
            role,
            ("PermissionsBoundary",),
            f"H5: the monitoring role {role.logical_id} has the permissions boundary {show(boundary)}, "
            "a policy outside the template: whether it allows enhanced monitoring cannot be known",
            f"Remove PermissionsBoundary or use a managed policy of this stack that allows the actions of "
            f"{V['monitoring_policy']} ({MANAGED_POLICY_PAGE})",
        )
        return
    capping = [sample.document(managed.get("PolicyDocument"))]
    capped = [
        action for action, on in NEEDED if not allowed(capping, action, on, where) or denied(capping, action, on, where)
    ]
    if capped:
        yield violation(
            role,
            ("PermissionsBoundary",),
            f"H5: the permissions boundary {managed.logical_id} of the monitoring role {role.logical_id} "
            f"does not allow {', '.join(capped)}: enhanced monitoring cannot publish",
            f"Let the boundary allow the actions of {V['monitoring_policy']} "
            "(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)",
        )
