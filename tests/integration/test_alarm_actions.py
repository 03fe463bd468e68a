"""Alarm actions in the emulator (issue 8 §3): SetAlarmState publishes to the alarm's SNS
topic for the new state and SNS delivers to an SQS subscriber, unless the topic's key keeps
CloudWatch out (the AWS managed aws/sns key in any spelling, or a customer managed key whose
policy does not grant CloudWatch); the alarm history records each action as AWS words it.
Deploys template variants written here, on the local target only."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest

KEY_ACCESS_ERROR = "CloudWatch Alarms does not have authorization to access the SNS topic encryption key."
DELIVERY_BOUND_S = 5  # the emulator publishes within the SetAlarmState call; SQS long-poll bound

CLOUDWATCH_KEY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Root",
            "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "Allow_CloudWatch_for_CMK",
            "Effect": "Allow",
            "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
    ],
}


def _one_of_type(doc: dict, rtype: str) -> str:
    names = [k for k, v in doc["Resources"].items() if v["Type"] == rtype]
    assert len(names) == 1, f"expected one {rtype} in the template, found {names}"
    return names[0]


def _variant(live_options, tmp_path_factory, topic_key) -> Path:
    doc = json.loads(Path(live_options.template).read_text())
    doc = copy.deepcopy(doc)
    topic = _one_of_type(doc, "AWS::SNS::Topic")
    if topic_key == "stack key":
        doc["Resources"]["AlarmTopicTestKey"] = {
            "Type": "AWS::KMS::Key",
            "DeletionPolicy": "Delete",
            "UpdateReplacePolicy": "Delete",
            "Properties": {
                "Description": "alarm topic key granting CloudWatch",
                "EnableKeyRotation": True,
                "PendingWindowInDays": 7,
                "KeyPolicy": CLOUDWATCH_KEY_POLICY,
            },
        }
        doc["Resources"][topic]["Properties"]["KmsMasterKeyId"] = {"Ref": "AlarmTopicTestKey"}
    else:
        doc["Resources"][topic]["Properties"]["KmsMasterKeyId"] = topic_key
    path = tmp_path_factory.mktemp("alarm") / "variant.json"
    path.write_text(json.dumps(doc))
    return path


class Stack:
    """A deployed variant, its alarm and topic, and an SQS queue subscribed to the topic."""

    def __init__(self, target, path: Path) -> None:
        from tapcheck.live import deploy

        self.target = target
        self.name = f"tapcheck-alarm-{uuid.uuid4().hex[:6]}"
        deploy.deploy(target, path, self.name, {"EnvironmentSuffix": f"al{uuid.uuid4().hex[:6]}"})
        cfn = target.client("cloudformation")
        resources = cfn.list_stack_resources(StackName=self.name)["StackResourceSummaries"]
        by_type = {r["ResourceType"]: r["PhysicalResourceId"] for r in resources}
        self.alarm = by_type["AWS::CloudWatch::Alarm"]
        self.topic_arn = by_type["AWS::SNS::Topic"]
        self.key_id = by_type.get("AWS::KMS::Key")
        sqs, sns = target.client("sqs"), target.client("sns")
        self.queue_url = sqs.create_queue(QueueName=f"alarm-sub-{uuid.uuid4().hex[:8]}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        # The queue policy AWS requires for SNS delivery (moto does not enforce it).
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": self.topic_arn}},
                }
            ],
        }
        sqs.set_queue_attributes(QueueUrl=self.queue_url, Attributes={"Policy": json.dumps(policy)})
        self.subscription = sns.subscribe(
            TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
        )["SubscriptionArn"]

    def set_state(self, state: str) -> None:
        self.target.client("cloudwatch").set_alarm_state(
            AlarmName=self.alarm, StateValue=state, StateReason=f"tapcheck test: {state}"
        )

    def messages(self, wait_s: int = DELIVERY_BOUND_S) -> list[dict]:
        sqs = self.target.client("sqs")
        got = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s)
        out = []
        for m in got.get("Messages", []):
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
            out.append(json.loads(m["Body"]))
        return out

    def action_history(self) -> list[dict]:
        cw = self.target.client("cloudwatch")
        return cw.describe_alarm_history(AlarmName=self.alarm, HistoryItemType="Action")["AlarmHistoryItems"]

    def destroy(self) -> None:
        from tapcheck.live import deploy

        try:
            self.target.client("sns").unsubscribe(SubscriptionArn=self.subscription)
            self.target.client("sqs").delete_queue(QueueUrl=self.queue_url)
        finally:
            deploy.destroy(self.target, self.name)


@pytest.fixture(scope="module")
def cmk_stack(local_target, live_options, tmp_path_factory):
    stack = Stack(local_target, _variant(live_options, tmp_path_factory, "stack key"))
    try:
        yield stack
    finally:
        stack.destroy()


@pytest.fixture(scope="module")
def aws_managed_stack(local_target, live_options, tmp_path_factory):
    stack = Stack(local_target, _variant(live_options, tmp_path_factory, "alias/aws/sns"))
    try:
        yield stack
    finally:
        stack.destroy()


def test_alarm_on_a_topic_with_a_key_granting_cloudwatch_delivers_to_the_sqs_subscriber(cmk_stack) -> None:
    assert cmk_stack.key_id, "the variant's topic key is a key of the stack"
    cmk_stack.set_state("ALARM")
    [envelope] = cmk_stack.messages()
    assert envelope["TopicArn"] == cmk_stack.topic_arn
    assert envelope["Subject"].startswith(f'ALARM: "{cmk_stack.alarm}" in ')
    body = json.loads(envelope["Message"])
    assert body["AlarmName"] == cmk_stack.alarm
    assert (body["OldStateValue"], body["NewStateValue"]) == ("OK", "ALARM")
    assert body["NewStateReason"] == "tapcheck test: ALARM"
    assert body["Trigger"]["MetricName"] == "CPUUtilization"
    [item] = cmk_stack.action_history()
    assert item["HistorySummary"] == f"Successfully executed action {cmk_stack.topic_arn}"

    cmk_stack.set_state("OK")  # OKActions name the same topic
    [envelope] = cmk_stack.messages()
    assert json.loads(envelope["Message"])["NewStateValue"] == "OK"
    cmk_stack.set_state("OK")  # unchanged: AWS invokes no action
    assert cmk_stack.messages(wait_s=1) == []
    assert len(cmk_stack.action_history()) == 2
    states = cmk_stack.target.client("cloudwatch").describe_alarm_history(
        AlarmName=cmk_stack.alarm, HistoryItemType="StateUpdate"
    )["AlarmHistoryItems"]
    assert [s["HistorySummary"] for s in states] == ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM"]


def test_key_policy_without_cloudwatch_or_disabled_actions_deliver_nothing(cmk_stack) -> None:
    kms, cw = cmk_stack.target.client("kms"), cmk_stack.target.client("cloudwatch")
    original = kms.get_key_policy(KeyId=cmk_stack.key_id, PolicyName="default")["Policy"]
    if not isinstance(original, str):  # moto hands back a template's KeyPolicy object as is
        original = json.dumps(original)
    root_only = {
        "Version": "2012-10-17",
        "Statement": [CLOUDWATCH_KEY_POLICY["Statement"][0] | {"Principal": {"AWS": "arn:aws:iam::123456789012:root"}}],
    }
    try:
        kms.put_key_policy(KeyId=cmk_stack.key_id, PolicyName="default", Policy=json.dumps(root_only))
        cmk_stack.set_state("ALARM")
        assert cmk_stack.messages(wait_s=1) == []
        latest = cmk_stack.action_history()[0]
        assert latest["HistorySummary"] == (
            f'Failed to execute action {cmk_stack.topic_arn}. Received error: "{KEY_ACCESS_ERROR}"'
        )
    finally:
        kms.put_key_policy(KeyId=cmk_stack.key_id, PolicyName="default", Policy=original)
    cmk_stack.set_state("OK")
    assert len(cmk_stack.messages()) == 1  # the grant is back: delivered again

    cw.disable_alarm_actions(AlarmNames=[cmk_stack.alarm])
    try:
        before = len(cmk_stack.action_history())
        cmk_stack.set_state("ALARM")
        assert cmk_stack.messages(wait_s=1) == []
        assert len(cmk_stack.action_history()) == before
    finally:
        cw.enable_alarm_actions(AlarmNames=[cmk_stack.alarm])
        cmk_stack.set_state("OK")
        cmk_stack.messages(wait_s=1)


def test_aws_managed_sns_key_refuses_cloudwatch_in_every_spelling(aws_managed_stack) -> None:
    stack = aws_managed_stack
    failed = f'Failed to execute action {stack.topic_arn}. Received error: "{KEY_ACCESS_ERROR}"'
    stack.set_state("ALARM")
    assert stack.messages(wait_s=2) == []
    assert stack.action_history()[0]["HistorySummary"] == failed

    kms, sns = stack.target.client("kms"), stack.target.client("sns")
    key = kms.describe_key(KeyId="alias/aws/sns")["KeyMetadata"]
    assert key["KeyManager"] == "AWS"
    spellings = ["arn:aws:kms:us-east-1:123456789012:alias/aws/sns", key["KeyId"], key["Arn"]]
    state = "ALARM"
    for spelling in spellings:
        sns.set_topic_attributes(TopicArn=stack.topic_arn, AttributeName="KmsMasterKeyId", AttributeValue=spelling)
        state = "OK" if state == "ALARM" else "ALARM"
        stack.set_state(state)
        assert stack.messages(wait_s=1) == [], spelling
        assert stack.action_history()[0]["HistorySummary"] == failed, spelling
    # The same topic without encryption delivers: the key was the only obstacle.
    sns.set_topic_attributes(TopicArn=stack.topic_arn, AttributeName="KmsMasterKeyId", AttributeValue="")
    stack.set_state("OK" if state == "ALARM" else "ALARM")
    assert len(stack.messages()) == 1
