"""H4 — probes: the CPU alarm names the stack's topic, and firing it delivers a message.

The behaviour probe subscribes a temporary SQS queue to the alarm's topic (with a queue policy
letting that topic send), sets the alarm to ALARM with SetAlarmState — which AWS documents for
testing notifications: "When the updated state differs from the previous value, the action
configured for the appropriate state is invoked"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html) —
waits a stated bound for the message, sets the alarm back to OK, and removes the queue and
the subscription. Subscribers of the topic receive the test notification too; its reason says
it is a tapcheck probe.
"""

from __future__ import annotations

import json
import time
import uuid

from tapcheck.live.context import Context, Fail, check
from tapcheck.live.lookups import cpu_alarms
from tapcheck.requirements.unit import probe

# SNS delivers to SQS within seconds; CloudWatch runs the action on the state change. The bound
# is generous on AWS, short locally (the emulator delivers synchronously).
DELIVERY_BOUND_LOCAL_S = 3.0
DELIVERY_BOUND_AWS_S = 120.0
PROBE_REASON = "tapcheck probe: testing that this alarm's notifications are delivered"


def _alarm_and_topics(ctx: Context) -> tuple[dict, list[str]]:
    alarms = cpu_alarms(ctx)
    check(bool(alarms), f"no CPU alarm on the cluster among {ctx.physical('AWS::CloudWatch::Alarm')}")
    topics = set(ctx.physical("AWS::SNS::Topic"))
    for alarm in alarms:
        hit = sorted(set(alarm.get("AlarmActions") or []) & topics)
        if hit:
            _topic_exists(ctx, hit[0])
            return alarm, hit
    raise Fail(f"the CPU alarm's actions {sorted({a for x in alarms for a in x.get('AlarmActions') or []})} "
               f"name no SNS topic of the stack {sorted(topics)}")


@probe("alarm-notifies", title="the CPU alarm's actions name the stack's SNS topic, actions enabled")
def alarm_action(ctx: Context) -> str:
    alarm, topics = _alarm_and_topics(ctx)
    check(alarm.get("ActionsEnabled", True) is True, f"{alarm['AlarmName']} has its actions disabled")
    return f"AlarmActions -> {topics[0]}"


def _topic_exists(ctx: Context, topic: str) -> None:
    from botocore.exceptions import ClientError

    try:
        ctx.target.client("sns").get_topic_attributes(TopicArn=topic)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("NotFound", "NotFoundException"):
            raise Fail(f"the alarm's topic {topic} does not exist (SNS GetTopicAttributes: "
                       f"{e.response['Error'].get('Message')})") from None
        raise


@probe("alarm-notifies", "alarm-topic-deliverable", title="firing the CPU alarm delivers a message to a subscriber of its topic",
       plane="behaviour")
def alarm_delivers(ctx: Context) -> str:
    alarm, topics = _alarm_and_topics(ctx)
    topic = topics[0]
    sqs, sns, cloudwatch = (ctx.target.client(s) for s in ("sqs", "sns", "cloudwatch"))
    queue_url = sqs.create_queue(QueueName=f"tapcheck-probe-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    subscription = None
    try:
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # SNS may send to the queue only if the queue policy allows the topic:
        # https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
        subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                                     ReturnSubscriptionArn=True)["SubscriptionArn"]
        fired_at = time.time()
        cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason=PROBE_REASON)
        bound = DELIVERY_BOUND_LOCAL_S if ctx.target.local else DELIVERY_BOUND_AWS_S
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            wait = max(0, min(5, int(deadline - time.monotonic())))
            for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10,
                                               WaitTimeSeconds=wait).get("Messages", []):
                if _is_alarm_notification(message.get("Body", ""), alarm["AlarmName"]):
                    seconds = time.time() - fired_at
                    return f"ALARM notification from {topic.split(':')[-1]} delivered after {seconds:.1f} s"
            if not wait:
                time.sleep(0.2)
        raise Fail(f"no notification reached a subscriber of {topic} within {bound:.0f} s of setting "
                   f"{alarm['AlarmName']} to ALARM; {_key_state(ctx, topic)}alarm history: "
                   f"{_last_action(cloudwatch, alarm['AlarmName'])}")
    finally:
        try:
            cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="OK", StateReason=PROBE_REASON + " (done)")
        finally:
            if subscription and subscription.startswith("arn:"):
                sns.unsubscribe(SubscriptionArn=subscription)
            sqs.delete_queue(QueueUrl=queue_url)


def _key_state(ctx: Context, topic: str) -> str:
    """Why the topic's key cannot be used, if its state says so: a key that is not Enabled
    (Disabled, PendingDeletion, ...) cannot be used in cryptographic operations
    (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html); SNS encrypts with
    symmetric encryption keys only (https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html)."""
    key_id = ctx.target.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"].get("KmsMasterKeyId")
    if not key_id:
        return ""
    meta = ctx.target.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    if meta.get("KeyState") != "Enabled":
        return f"H4: the topic's key {meta['KeyId']} is {meta.get('KeyState')} (fix: enable it or cancel its deletion, " \
               "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html); "
    if meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return f"H4: the topic's key {meta['KeyId']} is {meta.get('KeySpec')}, SNS needs a symmetric encryption key; "
    return ""


def _is_alarm_notification(body: str, alarm_name: str) -> bool:
    try:
        envelope = json.loads(body)
        message = json.loads(envelope.get("Message", "{}")) if isinstance(envelope, dict) else {}
    except ValueError:
        return False
    return isinstance(message, dict) and message.get("AlarmName") == alarm_name and message.get("NewStateValue") == "ALARM"


def _last_action(cloudwatch, alarm_name: str) -> str:
    try:
        items = cloudwatch.describe_alarm_history(AlarmName=alarm_name, HistoryItemType="Action",
                                                  MaxRecords=5).get("AlarmHistoryItems", [])
    except Exception as e:  # noqa: BLE001 - the history is a clue, not the verdict
        return f"unreadable ({type(e).__name__}: {e})"
    if not items:
        return "no action recorded"
    latest = max(items, key=lambda i: i.get("Timestamp", 0))
    return latest.get("HistorySummary", "") + (f" {latest['HistoryData']}" if latest.get("HistoryData") else "")
