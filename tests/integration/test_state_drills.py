"""State drills (issue 16): a deployed stack whose resources are all present, but in a state AWS
will not act on — the alarm topic's key disabled or scheduled for deletion, the monitoring role's
policy detached or denied — and `smoke` must fail the requirement, naming what broke. Each drill
deploys its own stack on the local target and breaks it through the AWS APIs; nothing is
restored: the stack is destroyed at the end (as in test_faults.py)."""

from __future__ import annotations

import io
import json
import uuid

import pytest


@pytest.fixture
def stack(local_target, live_options):
    from tapcheck.live import deploy

    name = f"tapcheck-state-{uuid.uuid4().hex[:6]}"
    deploy.deploy(local_target, live_options.template, name, {"EnvironmentSuffix": "st" + uuid.uuid4().hex[:6]})
    try:
        yield name
    finally:
        deploy.destroy(local_target, name)


def _smoke(target, name: str, only: list[str]) -> tuple[int, str]:
    from tapcheck.live.smoke import smoke

    out = io.StringIO()
    rc = smoke(target, name, out=out, only=only)
    return rc, out.getvalue()


def _failed(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("FAIL")]


def _one(target, name: str, rtype: str) -> str:
    from tapcheck.live.context import Context

    (physical,) = Context(target, name).physical(rtype)
    return physical


def test_alarm_topic_key_disabled_then_scheduled_for_deletion_fails_h4(local_target, stack) -> None:
    rc, out = _smoke(local_target, stack, ["H4"])
    assert rc == 0, out
    kms = local_target.client("kms")
    key = _one(local_target, stack, "AWS::KMS::Key")

    kms.disable_key(KeyId=key)
    rc, out = _smoke(local_target, stack, ["H4"])
    assert rc == 1, out
    assert any("alarm_delivers" in line and "Disabled" in line for line in _failed(out)), out

    kms.enable_key(KeyId=key)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    rc, out = _smoke(local_target, stack, ["H4"])
    assert rc == 1, out
    assert any("alarm_delivers" in line and "PendingDeletion" in line for line in _failed(out)), out


def test_monitoring_policy_detached_or_denied_fails_h5(local_target, stack) -> None:
    rc, out = _smoke(local_target, stack, ["H5"])
    assert rc == 0, out
    iam = local_target.client("iam")
    role = _one(local_target, stack, "AWS::IAM::Role")
    (attached,) = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]

    iam.put_role_policy(
        RoleName=role,
        PolicyName="deny-logs",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]}
        ),
    )
    rc, out = _smoke(local_target, stack, ["H5"])
    assert rc == 1, out
    assert any("H5" in line and "denies logs:PutLogEvents" in line for line in _failed(out)), out

    iam.delete_role_policy(RoleName=role, PolicyName="deny-logs")
    iam.detach_role_policy(RoleName=role, PolicyArn=attached["PolicyArn"])
    rc, out = _smoke(local_target, stack, ["H5"])
    assert rc == 1, out
    assert any("H5" in line and "is not allowed logs:CreateLogGroup" in line for line in _failed(out)), out


def test_topic_policy_denying_cloudwatch_after_deploy_fails_h4(local_target, stack) -> None:
    sns = local_target.client("sns")
    topic = _one(local_target, stack, "AWS::SNS::Topic")
    policy = json.loads(sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"])
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "SNS:Publish",
            "Resource": topic,
        }
    )
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(policy))
    rc, out = _smoke(local_target, stack, ["H4"])
    assert rc == 1, out
    assert any(
        "alarm_delivers" in line and "topic policy denies cloudwatch.amazonaws.com" in line for line in _failed(out)
    ), out
