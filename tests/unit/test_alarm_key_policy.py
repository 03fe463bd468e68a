"""Which key policies let CloudWatch alarms publish to a topic encrypted with the key
(emulator alarm actions; https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns), decided by
the gate's evaluator on the request CloudWatch makes for the alarm (account 123456789012, us-east-1)."""

from __future__ import annotations

import json

import pytest

from tapcheck.emulator.resources.alarm_actions import key_policy_grants_cloudwatch

ROOT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}


def cloudwatch(actions, **extra):
    return {
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": actions,
        "Resource": "*",
        **extra,
    }


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize(
    "doc",
    [
        policy(ROOT, cloudwatch(["kms:Decrypt", "kms:GenerateDataKey*"])),
        policy(ROOT, cloudwatch("kms:*")),
        policy(cloudwatch("*")),
        policy(cloudwatch(["KMS:decrypt", "kms:generatedatakey"])),
        policy(cloudwatch(["kms:Decrypt"]), cloudwatch(["kms:GenerateDataKey*"])),
        policy({**cloudwatch(None), "NotAction": ["kms:ScheduleKeyDeletion"]}),
        policy(
            {
                **cloudwatch(["kms:Decrypt", "kms:GenerateDataKey*"]),
                "Principal": {"Service": ["sns.amazonaws.com", "cloudwatch.amazonaws.com"]},
            }
        ),
        json.dumps(policy(cloudwatch(["kms:Decrypt", "kms:GenerateDataKey*"]))),
        policy(
            cloudwatch("kms:*"),
            {
                "Effect": "Deny",
                "NotPrincipal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "kms:Decrypt",
                "Resource": "*",
            },
        ),
        policy({**cloudwatch("kms:*"), "Principal": "*"}),
        policy(
            cloudwatch(
                "kms:*",
                Condition={
                    "StringEquals": {"aws:SourceAccount": "123456789012"},
                    "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"},
                },
            )
        ),
    ],
    ids=[
        "re:Post policy",
        "kms:*",
        "*",
        "case-insensitive",
        "two statements",
        "NotAction",
        "service list",
        "JSON text",
        "Deny NotPrincipal cloudwatch",
        "principal * (every principal, services too)",
        "AWS's recommended conditions",
    ],
)
def test_grants(doc) -> None:
    ok, why = key_policy_grants_cloudwatch(doc)
    assert ok, why


@pytest.mark.parametrize(
    ("doc", "missing"),
    [
        (policy(ROOT), "kms:Decrypt (not allowed), kms:GenerateDataKey (not allowed)"),
        (policy(ROOT, cloudwatch(["kms:Decrypt"])), "kms:GenerateDataKey (not allowed)"),
        (policy(cloudwatch(["kms:Decrypt", "kms:GenerateDataKeyPair*"])), "kms:GenerateDataKey (not allowed)"),
        (policy({**cloudwatch("kms:*"), "Principal": {"Service": "sns.amazonaws.com"}}), "kms:Decrypt (not allowed)"),
        (
            policy(cloudwatch("kms:*", Condition={"StringEquals": {"aws:SourceAccount": "444455556666"}})),
            "kms:Decrypt (not allowed)",
        ),
        (
            policy(
                cloudwatch(
                    "kms:*",
                    Condition={
                        "ArnEquals": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:another"}
                    },
                )
            ),
            "kms:Decrypt (not allowed)",
        ),
        (
            policy(cloudwatch("kms:*", Condition={"StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}})),
            "kms:Decrypt (undecidable",
        ),
        (
            policy(
                cloudwatch("kms:*"),
                {"Effect": "Deny", "Principal": "*", "Action": "kms:GenerateDataKey*", "Resource": "*"},
            ),
            "kms:GenerateDataKey (denied)",
        ),
        (
            policy(
                cloudwatch("kms:*"),
                {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"},
            ),
            "kms:Decrypt (denied)",
        ),
        (policy({**cloudwatch(None), "NotAction": "kms:Decrypt"}), "kms:Decrypt (not allowed)"),
    ],
    ids=[
        "root only",
        "no GenerateDataKey",
        "GenerateDataKeyPair only",
        "other service",
        "another account",
        "another alarm",
        "a key AWS does not document for the call",
        "deny everyone",
        "deny AWS *",
        "NotAction Decrypt",
    ],
)
def test_refuses(doc, missing: str) -> None:
    ok, why = key_policy_grants_cloudwatch(doc)
    assert not ok
    assert missing in why and "cloudwatch.amazonaws.com" in why, why


@pytest.mark.parametrize("doc", [None, "not json {", [], {"Statement": "nonsense"}])
def test_unusable_policies_grant_nothing(doc) -> None:
    assert key_policy_grants_cloudwatch(doc)[0] is False
