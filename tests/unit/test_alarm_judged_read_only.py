"""H4 judged without firing (rules/h04_alarm_notifies/probes.py), on AWS's answers injected with
botocore's Stubber: who counts as subscribed, which history item decides, what a key must be. The
emulator cannot produce some of these answers (moto confirms every subscription at once)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.stub import Stubber

from tapcheck.live.context import Context, Fail
from tapcheck.rules.h04_alarm_notifies import probes

TOPIC = "arn:aws:sns:us-east-1:123456789012:aurora-alarms-x"
OTHER = "arn:aws:sns:us-east-1:123456789012:someone-else"
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
ALARM = {
    "AlarmName": "aurora-cpu-high-x",
    "AlarmActions": [TOPIC],
    "OKActions": [TOPIC],
    "AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:aurora-cpu-high-x",
}
# SNS's default topic policy (as moto and AWS's console write it): allows the account's principals,
# conditioned on AWS:SourceOwner, a key AWS does not document for CloudWatch's publish
DEFAULT_TOPIC_POLICY = json.dumps(
    {
        "Version": "2008-10-17",
        "Statement": [
            {
                "Sid": "__default_statement_ID",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["SNS:Publish"],
                "Resource": TOPIC,
                "Condition": {"StringEquals": {"AWS:SourceOwner": "123456789012"}},
            }
        ],
    }
)
ALLOWING_TOPIC_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": TOPIC,
                "Condition": {"ArnLike": {"aws:SourceArn": ALARM["AlarmArn"]}},
            }
        ],
    }
)
GOOD_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            }
        ],
    }
)
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _sub(arn: str, protocol: str = "email") -> dict:
    return {"SubscriptionArn": arn, "Owner": "123456789012", "Protocol": protocol, "Endpoint": "x", "TopicArn": TOPIC}


def _item(summary: str, minutes: int, topic: str = TOPIC, state: str | None = None) -> dict:
    data = {"notificationResource": topic, **({"actionState": state} if state else {})}
    return {
        "AlarmName": ALARM["AlarmName"],
        "AlarmType": "MetricAlarm",
        "Timestamp": T0 + timedelta(minutes=minutes),
        "HistoryItemType": "Action",
        "HistorySummary": summary,
        "HistoryData": json.dumps(data),
    }


def _judge(
    ctx: Context,
    subs: list[dict],
    history: list[dict],
    key_state: str = "Enabled",
    policy: str = GOOD_POLICY,
    manager: str = "CUSTOMER",
    topic_policy: str = ALLOWING_TOPIC_POLICY,
) -> str:
    sns, kms, cloudwatch = (ctx.target.client(s) for s in ("sns", "kms", "cloudwatch"))
    with Stubber(sns) as s_sns, Stubber(kms) as s_kms, Stubber(cloudwatch) as s_cw:
        s_sns.add_response(
            "get_topic_attributes",
            {"Attributes": {"KmsMasterKeyId": f"alias/aurora-{KEY[:4]}", "Policy": topic_policy}},
            {"TopicArn": TOPIC},
        )
        s_kms.add_response(
            "describe_key",
            {
                "KeyMetadata": {
                    "KeyId": KEY,
                    "KeyState": key_state,
                    "KeyManager": manager,
                    "KeySpec": "SYMMETRIC_DEFAULT",
                    "KeyUsage": "ENCRYPT_DECRYPT",
                }
            },
            {"KeyId": f"alias/aurora-{KEY[:4]}"},
        )
        if key_state == "Enabled" and manager == "CUSTOMER":
            s_kms.add_response("get_key_policy", {"Policy": policy}, {"KeyId": KEY, "PolicyName": "default"})
        s_sns.add_response("list_subscriptions_by_topic", {"Subscriptions": subs}, {"TopicArn": TOPIC})
        s_cw.add_response(
            "describe_alarm_history",
            {"AlarmHistoryItems": history},
            {
                "AlarmName": ALARM["AlarmName"],
                "HistoryItemType": "Action",
                "ScanBy": "TimestampDescending",
                "MaxRecords": 100,
            },
        )
        return probes.judged_without_firing(ctx, ALARM, [TOPIC])


@pytest.fixture
def ctx(stubbed_aws) -> Context:
    return Context(stubbed_aws, "s")


def test_a_confirmed_subscription_and_a_clean_history_pass(ctx) -> None:
    said = _judge(
        ctx,
        [_sub(TOPIC + ":1a2b", "sqs"), _sub(TOPIC + ":3c4d", "email"), _sub("PendingConfirmation")],
        [_item(f"Successfully executed action {TOPIC}", 5), _item(f"Failed to execute action {TOPIC}", 1)],
    )
    assert said.startswith(f"judged without firing: aurora-alarms-x: key {KEY} Enabled")
    assert "topic policy: allows the publish, 2 confirmed subscription(s) (1 email, 1 sqs), no failed action" in said
    assert "not decided" not in said


def test_the_default_topic_policy_is_no_verdict_and_says_so(ctx) -> None:
    said = _judge(ctx, [_sub(TOPIC + ":1a2b", "sqs")], [], topic_policy=DEFAULT_TOPIC_POLICY)
    assert "topic policy: no deny of the publish" in said
    assert said.endswith(
        "; not decided: CloudWatch alarm publishes to the topic: cloudwatch.amazonaws.com sns:Publish: "
        "AWS:SourceOwner is not documented for this request "
        "(https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger) "
        "(statement '__default_statement_ID' (Allow))"
    ), said


@pytest.mark.parametrize(
    "topic_policy, said",
    [
        (
            json.dumps(
                {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": TOPIC}]}
            ),
            "explicitly denied",
        ),
        (
            json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                            "Action": "sns:Publish",
                            "Resource": TOPIC,
                        }
                    ]
                }
            ),
            "no statement allows it",
        ),
        (
            json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "sns:Publish",
                            "Resource": TOPIC,
                            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:*:*:alarm:other"}},
                        }
                    ]
                }
            ),
            "no statement allows it",
        ),
    ],
    ids=["deny", "no-allow-for-cloudwatch", "allow-for-another-alarm"],
)
def test_a_topic_policy_that_keeps_this_alarm_out_fails(ctx, topic_policy, said) -> None:
    with pytest.raises(Fail) as failed:
        _judge(ctx, [_sub(TOPIC + ":1a2b")], [], topic_policy=topic_policy)
    assert str(failed.value).startswith(
        "the topic policy of aurora-alarms-x does not let cloudwatch.amazonaws.com publish this alarm ("
    ), str(failed.value)
    assert said in str(failed.value)


def test_subscriptions_awaiting_confirmation_reach_no_one(ctx) -> None:
    with pytest.raises(Fail) as failed:
        _judge(ctx, [_sub("PendingConfirmation"), _sub("PendingConfirmation")], [])
    assert str(failed.value) == (
        f"aurora-alarms-x has no confirmed subscription (2 awaiting confirmation, which receive nothing): an alarm "
        f"notification reaches no one (fix: subscribe on-call, e.g. aws sns subscribe --topic-arn {TOPIC} --protocol "
        "email --notification-endpoint ONCALL, and confirm it) (judged without firing the alarm)"
    )


def test_the_newest_action_on_the_topic_decides(ctx) -> None:
    """A failure newer than the last success fails H4 quoting it; an item about another topic is not read."""
    failure = f'Failed to execute action {TOPIC}. Received error: "CloudWatch Alarms does not have authorization"'
    with pytest.raises(Fail) as failed:
        _judge(
            ctx,
            [_sub(TOPIC + ":1a2b")],
            [
                _item(f"Successfully executed action {OTHER}", 9, OTHER),
                _item(failure, 7),
                _item(f"Successfully executed action {TOPIC}", 3),
            ],
        )
    assert str(failed.value) == (
        f"the alarm's history records a failed action on aurora-alarms-x: {T0 + timedelta(minutes=7)}: "
        f"{failure} (judged without firing the alarm)"
    )


@pytest.mark.parametrize(
    "key_state, manager, policy, said",
    [
        ("Disabled", "CUSTOMER", GOOD_POLICY, f"the topic's key {KEY} is Disabled"),
        ("PendingDeletion", "CUSTOMER", GOOD_POLICY, f"the topic's key {KEY} is PendingDeletion"),
        ("Enabled", "AWS", GOOD_POLICY, f"the topic's key {KEY} is an AWS managed key"),
        (
            "Enabled",
            "CUSTOMER",
            json.dumps(
                {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Action": "kms:Decrypt",
                            "Resource": "*",
                        }
                    ]
                }
            ),
            (
                f"the key policy of {KEY} does not let cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* "
                "for this alarm"
            ),
        ),
    ],
    ids=["disabled", "pending-deletion", "aws-managed", "policy-without-generate-data-key"],
)
def test_a_key_cloudwatch_cannot_use_fails(ctx, key_state, manager, policy, said) -> None:
    with pytest.raises(Fail) as failed:
        _judge(ctx, [_sub(TOPIC + ":1a2b")], [], key_state=key_state, policy=policy, manager=manager)
    assert str(failed.value).startswith(said), str(failed.value)


def test_the_aws_managed_sns_key_is_refused_without_asking_kms(ctx) -> None:
    assert probes.key_state(ctx, "alias/aws/sns", ALARM)[1][0].startswith(
        "the topic is encrypted with the AWS managed key alias/aws/sns, whose policy CloudWatch alarms cannot use"
    )
