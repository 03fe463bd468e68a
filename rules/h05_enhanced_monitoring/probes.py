"""H5 — probes: enhanced monitoring on every instance, through a role RDS monitoring can assume,
which may do what enhanced monitoring does (judged by the same functions as the gate, on the
policies IAM reports now: attached managed policies, inline policies, the permissions boundary), in
the stack's own partition, region and account (its ARN says them), not the gate's sample."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from tapcheck.live.context import Context, expect
from tapcheck.policies import Outcome, evaluate
from tapcheck.requirements.unit import probe, values
from tapcheck.rules.h05_enhanced_monitoring.checks import MANAGED_POLICY_PAGE, NEEDED, allowed, denied
from tapcheck.service_requests import RDS_MONITORING_ASSUMES_ROLE

V = values(__file__)


def _document(value: Any) -> Any:
    """A policy document as IAM returns it: a dict (boto3 decodes it) or URL-encoded JSON text."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def _managed_document(iam, arn: str) -> Any:
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    return _document(version["Document"])


def stack_where(ctx: Context) -> tuple[str, str, str]:
    """(partition, region, account) of the stack, from its ARN: arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/..."""
    _, partition, _, region, account = ctx.stack["StackId"].split(":")[:5]
    return partition, region, account


def role_documents(iam, role_name: str) -> tuple[list, list[str]]:
    """(the role's policy documents in force, the names of its attached managed policies)."""
    attached = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    documents = [_managed_document(iam, p["PolicyArn"]) for p in attached]
    for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        documents.append(_document(iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"]))
    return documents, [p["PolicyName"] for p in attached]


@probe(
    "enhanced-monitoring",
    title="enhanced monitoring with a role monitoring.rds.amazonaws.com can assume, "
    "allowed what AmazonRDSEnhancedMonitoringRole allows",
)
def enhanced_monitoring(ctx: Context) -> str:
    iam = ctx.target.client("iam")
    where = stack_where(ctx)
    partition, region, account = where
    expect(bool(ctx.instances), "the stack has no DB instances")
    undecided = []
    for i in ctx.instances:
        instance = i["DBInstanceIdentifier"]
        expect(
            (i.get("MonitoringInterval") or 0) in V["intervals"],
            f"{instance} MonitoringInterval is {i.get('MonitoringInterval')}",
        )
        arn = i.get("MonitoringRoleArn") or ""
        expect(bool(arn), f"{instance} has no MonitoringRoleArn")
        role = iam.get_role(RoleName=arn.split("/")[-1])["Role"]
        name = role["RoleName"]
        # RDS monitoring assuming the role for this instance, decided on its trust policy as the gate decides it
        [assume] = RDS_MONITORING_ASSUMES_ROLE.requests(
            partition=partition,
            region=region,
            account=account,
            role_path_name=arn.split(":role/", 1)[-1],
            instance_id=instance,
        )
        trust = evaluate([_document(role.get("AssumeRolePolicyDocument"))], assume)
        expect(
            trust.outcome in (Outcome.ALLOW, Outcome.UNKNOWN),
            f"H5: {V['monitoring_principal']} may not assume role {name} for {instance}: {trust.explain()}",
        )
        if trust.outcome is Outcome.UNKNOWN:
            undecided.append(
                f"whether {V['monitoring_principal']} may assume {name} cannot be decided: {trust.why_unknown()}"
            )
        documents, attached = role_documents(iam, name)
        missing = [action for action, on in NEEDED if not allowed(documents, action, on, where)]
        expect(
            not missing,
            f"H5: role {name} (policies {attached}) is not allowed {', '.join(missing)}; "
            f"fix: attach {V['monitoring_policy']} ({MANAGED_POLICY_PAGE})",
        )
        refused = [action for action, on in NEEDED if denied(documents, action, on, where)]
        expect(not refused, f"H5: a policy of role {name} denies {', '.join(refused)}")
        boundary = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        if boundary:
            capping = [_managed_document(iam, boundary)]
            capped = [
                action
                for action, on in NEEDED
                if not allowed(capping, action, on, where) or denied(capping, action, on, where)
            ]
            expect(
                not capped, f"H5: the permissions boundary {boundary} of role {name} does not allow {', '.join(capped)}"
            )
    detail = (
        f"interval {ctx.instances[0].get('MonitoringInterval')} s, role allowed what {V['monitoring_policy']} allows"
    )
    return detail + "".join(f"; {note}" for note in dict.fromkeys(undecided))
