"""H4 — probes: the CPU alarm names the stack's topic, and its notifications reach the topic's subscribers.

Read-only by default on AWS (issue 21): `alarm_delivers` judges delivery without firing, from what
CloudWatch would go through when the alarm changes state, read live and judged with the gate's own
functions (checks.py, tapcheck.policies, tapcheck.references):
- the topic's key (SNS GetTopicAttributes KmsMasterKeyId, KMS DescribeKey, GetKeyPolicy): not the AWS
  managed aws/sns key, Enabled, a symmetric encryption key, and a key policy that allows the KMS calls
  CloudWatch makes for this alarm (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns),
  decided by tapcheck.policies.evaluate on tapcheck.service_requests.CLOUDWATCH_USES_TOPIC_KEY filled
  with the live alarm's ARN and the key's id — the gate's own evaluator and requests;
- the topic's access policy (GetTopicAttributes Policy, the default one included): sns:Publish by
  CloudWatch for this alarm (CLOUDWATCH_PUBLISHES_TO_TOPIC) not denied, explicitly or for want of an
  Allow (an explicit deny beats every allow:
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
  A decision resting on a condition key AWS does not document for the call (the default topic
  policy's AWS:SourceOwner) is not a verdict: the detail says what could not be decided, as the gate's
  advisory does, and the alarm history is the evidence left;
- someone to notify: at least one confirmed subscription (ListSubscriptionsByTopic). A subscription
  awaiting confirmation receives nothing and is listed without an ARN: Subscribe returns "the ARN of
  the subscription if it is confirmed, or the string "pending confirmation" if the subscription
  requires confirmation" (https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html; the
  Subscription type of ListSubscriptionsByTopic says only "The subscription's ARN": docs silent on
  the placeholder it lists, "PendingConfirmation" in practice), so only an ARN counts;
- no failed action: CloudWatch records a failed notification in the alarm's history, "check the
  CloudWatch alarm's history to see the trigger action's status ... the CloudWatch alarm history
  displays a message similar to the following one: "Failed to execute action arn:aws:sns:..."
  (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger). The newest Action
  item naming the topic decides: a failure there fails H4 quoting it.

Firing is an opt-in (`--fire-alarm` on AWS; the local target fires by default, it is a test
emulator): a temporary SQS queue is subscribed to the topic (with a queue policy letting that topic
send), the alarm is set to ALARM with SetAlarmState — "When the updated state differs from the
previous value, the action configured for the appropriate state is invoked"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html) — and set
back to the state it was found in; the queue and the subscription are removed. Every confirmed
subscriber of the topic is notified too: of the ALARM, and of the OK when the alarm's OKActions name
the topic (the shipped template's do). An alarm that is not OK when the probe starts is never
touched (a real incident may be under way): the probe then judges without firing and says so. The
restore happens on every exit path (failure, Ctrl-C, SIGTERM, SIGHUP: tapcheck.interrupts), and
only while the alarm still carries the probe's own reason: a state CloudWatch itself set meanwhile
is left as it is.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from typing import Any

from tapcheck import interrupts
from tapcheck.live.context import Context, Fail, expect, one_line
from tapcheck.live.lookups import cpu_alarms
from tapcheck.policies import Decision, Outcome, evaluate
from tapcheck.requirements.unit import probe, values
from tapcheck.rules.h04_alarm_notifies.checks import is_aws_managed_sns_key
from tapcheck.service_requests import CLOUDWATCH_PUBLISHES_TO_TOPIC, CLOUDWATCH_USES_TOPIC_KEY, Values

V = values(__file__)
# SNS delivers to SQS within seconds; CloudWatch runs the action on the state change. The bound
# is generous on AWS, short locally (the emulator delivers synchronously).
DELIVERY_BOUND_LOCAL_S = 3.0
DELIVERY_BOUND_AWS_S = 120.0
PROBE_REASON = "tapcheck probe: testing that this alarm's notifications are delivered"
HISTORY_RECORDS = 100  # DescribeAlarmHistory's MaxRecords allows 1..100 (API_DescribeAlarmHistory.html)
FAILED_ACTION = "Failed to execute action"


def _alarm_and_topics(ctx: Context) -> tuple[dict, list[str]]:
    alarms = cpu_alarms(ctx)
    expect(bool(alarms), f"no CPU alarm on the cluster among {ctx.physical('AWS::CloudWatch::Alarm')}")
    topics = set(ctx.physical("AWS::SNS::Topic"))
    for alarm in alarms:
        hit = sorted(set(alarm.get("AlarmActions") or []) & topics)
        if hit:
            _topic_exists(ctx, hit[0])
            return alarm, hit
    raise Fail(
        f"the CPU alarm's actions {sorted({a for x in alarms for a in x.get('AlarmActions') or []})} "
        f"name no SNS topic of the stack {sorted(topics)}"
    )


@probe("alarm-notifies", title="the CPU alarm's actions name the stack's SNS topic, actions enabled")
def alarm_action(ctx: Context) -> str:
    alarm, topics = _alarm_and_topics(ctx)
    expect(alarm.get("ActionsEnabled", True) is True, f"{alarm['AlarmName']} has its actions disabled")
    return f"AlarmActions -> {topics[0]}"


def _topic_exists(ctx: Context, topic: str) -> None:
    from botocore.exceptions import ClientError

    try:
        ctx.target.client("sns").get_topic_attributes(TopicArn=topic)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in ("NotFound", "NotFoundException"):
            raise Fail(
                f"the alarm's topic {topic} does not exist (SNS GetTopicAttributes: "
                f"{e.response['Error'].get('Message')})"
            ) from None
        raise


@probe(
    "alarm-notifies",
    "alarm-topic-deliverable",
    title="the CPU alarm's notifications reach its topic's subscribers (judged read-only from the live key, "
    "policies, subscriptions and alarm history; proven by firing the alarm with --fire-alarm, the local "
    "target's default)",
    plane="behaviour",
)
def alarm_delivers(ctx: Context) -> str:
    alarm, topics = _alarm_and_topics(ctx)
    if not ctx.may_fire:
        return judged_without_firing(ctx, alarm, topics)
    return _fired(ctx, alarm, topics[0])


# --- judged without firing ---------------------------------------------------------------------------
def judged_without_firing(ctx: Context, alarm: dict, topics: list[str]) -> str:
    """PASS text when nothing along alarm -> topic -> key -> subscribers stops a notification, else Fail
    naming every problem found. Reads only (GetTopicAttributes, DescribeKey, GetKeyPolicy,
    ListSubscriptionsByTopic, DescribeAlarmHistory)."""
    problems: list[str] = []
    evidence: list[str] = []
    undecided: list[str] = []
    for topic in topics:
        attributes = ctx.target.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
        key_said, key_problems = key_state(ctx, attributes.get("KmsMasterKeyId"), alarm, undecided)
        problems += key_problems
        publish = _request_values(alarm).fill(
            CLOUDWATCH_PUBLISHES_TO_TOPIC, topic_name=_name(topic), alarm_name=alarm["AlarmName"]
        )[0]
        decision = evaluate(attributes.get("Policy"), publish)
        if decision.outcome in (Outcome.DENY, Outcome.IMPLICIT_DENY):
            problems.append(
                f"the topic policy of {_name(topic)} does not let {V['publisher']} publish this alarm "
                f"({decision.explain()})"
            )
        elif decision.outcome is Outcome.UNKNOWN:
            undecided.append(_undecided(decision))
        confirmed, pending = subscriptions(ctx, topic)
        if not confirmed:
            problems.append(
                f"{_name(topic)} has no confirmed subscription"
                + (f" ({len(pending)} awaiting confirmation, which receive nothing)" if pending else "")
                + ": an alarm notification reaches no one (fix: subscribe on-call, e.g. aws sns subscribe "
                f"--topic-arn {topic} --protocol email --notification-endpoint ONCALL, and confirm it)"
            )
        failed = last_failed_action(ctx, alarm["AlarmName"], topic)
        if failed:
            problems.append(f"the alarm's history records a failed action on {_name(topic)}: {failed}")
        evidence.append(
            f"{_name(topic)}: {key_said}, topic policy: "
            f"{'allows the publish' if decision.allowed else 'no deny of the publish'}, "
            f"{len(confirmed)} confirmed subscription(s) ({_protocols(confirmed)}), no failed action in "
            "the alarm's history"
        )
    if problems:
        raise Fail("; ".join(problems) + " (judged without firing the alarm)")
    return "judged without firing: " + "; ".join(evidence) + "".join(f"; not decided: {u}" for u in undecided)


def _request_values(alarm: dict) -> Values:
    """Partition, region and account of the calls CloudWatch makes for this alarm: its ARN's."""
    _, partition, _, region, account = alarm["AlarmArn"].split(":")[:5]
    return Values(partition, region, account)


def _undecided(decision: Decision) -> str:
    return f"{decision.request.describe()}: {decision.why_unknown()}"


def key_state(
    ctx: Context, key_id: str | None, alarm: dict, undecided: list[str] | None = None
) -> tuple[str, list[str]]:
    """What the topic's key lets CloudWatch do for this alarm: (evidence, problems); what cannot be
    decided is added to `undecided`."""
    from botocore.exceptions import ClientError

    if not key_id:
        return "not encrypted", []
    if is_aws_managed_sns_key(key_id):
        return key_id, [
            (
                f"the topic is encrypted with the AWS managed key {key_id}, whose policy CloudWatch alarms "
                "cannot use (fix: a customer managed key granting "
                f"{V['publisher']} {' and '.join(V['key_actions'])})"
            )
        ]
    kms = ctx.target.client("kms")
    try:
        meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as e:
        error = e.response.get("Error", {})
        if error.get("Code") in ("NotFoundException",):
            return key_id, [
                f"the topic's key {key_id} does not exist (KMS DescribeKey: {one_line(error.get('Message'))})"
            ]
        raise
    name, problems = meta["KeyId"], []
    if meta.get("KeyManager") == "AWS":
        problems.append(f"the topic's key {name} is an AWS managed key, whose policy CloudWatch alarms cannot use")
    if meta.get("KeyState") != "Enabled":
        # a key that is not Enabled cannot be used in cryptographic operations:
        # https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
        problems.append(
            f"the topic's key {name} is {meta.get('KeyState')} (fix: enable it or cancel its deletion, "
            "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html)"
        )
    spec, usage = meta.get("KeySpec", V["key_spec"]), meta.get("KeyUsage", V["key_usage"])
    if spec != V["key_spec"] or usage != V["key_usage"]:
        problems.append(
            f"the topic's key {name} is {spec}/{usage}: SNS encrypts only with symmetric encryption keys "
            "(https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html)"
        )
    if problems:
        return f"key {name} {meta.get('KeyState')}", problems
    policy = kms.get_key_policy(KeyId=name, PolicyName="default")["Policy"]
    decisions = [
        evaluate(policy, request)
        for request in _request_values(alarm).fill(
            CLOUDWATCH_USES_TOPIC_KEY, key_id=name, alarm_name=alarm["AlarmName"]
        )
    ]
    refused = [d for d in decisions if d.outcome in (Outcome.DENY, Outcome.IMPLICIT_DENY)]
    if refused:
        problems.append(
            f"the key policy of {name} does not let {V['publisher']} "
            f"{' and '.join(V['key_actions'])} for this alarm ({'; '.join(d.explain() for d in refused)})"
        )
    elif undecided is not None:
        undecided += [_undecided(d) for d in decisions if d.outcome is Outcome.UNKNOWN]
    return f"key {name} {meta.get('KeyState')}, its policy lets {V['publisher']} use it for this alarm", problems


def subscriptions(ctx: Context, topic: str) -> tuple[list[dict], list[dict]]:
    """(confirmed, awaiting confirmation): only a subscription listed with an ARN is confirmed."""
    pages = ctx.target.client("sns").get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
    found = [s for page in pages for s in page.get("Subscriptions") or []]
    confirmed = [s for s in found if str(s.get("SubscriptionArn", "")).startswith("arn:")]
    return confirmed, [s for s in found if s not in confirmed]


def last_failed_action(ctx: Context, alarm_name: str, topic: str) -> str | None:
    """The newest Action item of the alarm's history that names the topic, when it records a failure:
    its time and summary. None when the newest succeeded, or there is none."""
    items = (
        ctx.target.client("cloudwatch")
        .describe_alarm_history(
            AlarmName=alarm_name, HistoryItemType="Action", ScanBy="TimestampDescending", MaxRecords=HISTORY_RECORDS
        )
        .get("AlarmHistoryItems")
        or []
    )
    for item in sorted(items, key=lambda i: i.get("Timestamp") or 0, reverse=True):
        summary, data = str(item.get("HistorySummary") or ""), _json(item.get("HistoryData"))
        if topic not in summary and data.get("notificationResource") != topic:
            continue
        # the summary's wording is AWS's (page above); the data's actionState is docs silent, read when present
        if summary.startswith(FAILED_ACTION) or data.get("actionState") == "Failed":
            return f"{item.get('Timestamp')}: {one_line(summary)}"
        return None
    return None


def _json(text: Any) -> dict:
    try:
        value = json.loads(text) if isinstance(text, str) else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _name(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def _protocols(subscriptions: list[dict]) -> str:
    counts: dict[str, int] = {}
    for s in subscriptions:
        counts[str(s.get("Protocol"))] = counts.get(str(s.get("Protocol")), 0) + 1
    return ", ".join(f"{n} {p}" for p, n in sorted(counts.items())) or "none"


# --- fired (opt-in) ---------------------------------------------------------------------------------
def _fired(ctx: Context, alarm: dict, topic: str) -> str:
    cloudwatch = ctx.target.client("cloudwatch")
    found = cloudwatch.describe_alarms(AlarmNames=[alarm["AlarmName"]])["MetricAlarms"][0]
    if found["StateValue"] != "OK":
        judged = judged_without_firing(ctx, alarm, [topic])
        return (
            f"not fired: {alarm['AlarmName']} is {found['StateValue']} (reason: "
            f"{one_line(found.get('StateReason'))[:200]}), a real incident may be under way and tapcheck touches "
            f"no alarm that is not OK; {judged}"
        )
    reason = f"{PROBE_REASON} (run {uuid.uuid4().hex[:12]})"
    sqs, sns = ctx.target.client("sqs"), ctx.target.client("sns")
    others, _ = subscriptions(ctx, topic)
    queue_url = subscription = None
    fired = False
    error: BaseException | None = None
    try:
        with interrupts.deferred():  # made and recorded at once: a signal cannot fall between the two
            queue_url = sqs.create_queue(QueueName=f"tapcheck-probe-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # SNS may send to the queue only if the queue policy allows the topic:
        # https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html
        sqs.set_queue_attributes(
            QueueUrl=queue_url,
            Attributes={
                "Policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "sns.amazonaws.com"},
                                "Action": "sqs:SendMessage",
                                "Resource": queue_arn,
                                "Condition": {"ArnEquals": {"aws:SourceArn": topic}},
                            }
                        ],
                    }
                )
            },
        )
        with interrupts.deferred():
            subscription = sns.subscribe(
                TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True
            )["SubscriptionArn"]
        fired_at = time.time()
        fired = True
        cloudwatch.set_alarm_state(AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason=reason)
        bound = DELIVERY_BOUND_LOCAL_S if ctx.target.local else DELIVERY_BOUND_AWS_S
        deadline = time.monotonic() + bound
        while time.monotonic() < deadline:
            wait = max(0, min(5, int(deadline - time.monotonic())))
            for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get(
                "Messages", []
            ):
                if _is_alarm_notification(message.get("Body", ""), alarm["AlarmName"]):
                    seconds = time.time() - fired_at
                    twice = topic in (alarm.get("OKActions") or [])
                    return (
                        f"ALARM notification from {_name(topic)} delivered after {seconds:.1f} s; notified too: "
                        f"{len(others)} confirmed subscriber(s) of the topic (ALARM{', then OK' if twice else ''}); "
                        f"{alarm['AlarmName']} set back to {found['StateValue']} as found"
                    )
            if not wait:
                time.sleep(0.2)
        _, problems = key_state(
            ctx, sns.get_topic_attributes(TopicArn=topic)["Attributes"].get("KmsMasterKeyId"), alarm
        )
        clue = "".join(f"H4: {p}; " for p in problems)
        raise Fail(
            f"no notification reached a subscriber of {topic} within {bound:.0f} s of setting "
            f"{alarm['AlarmName']} to ALARM; {clue}alarm history: {_last_action(cloudwatch, alarm['AlarmName'])}"
        )
    except BaseException as e:
        error = e
        raise
    finally:
        with interrupts.deferred():  # a signal now waits until the alarm is back, the queue gone and that said
            left = _put_back(ctx, alarm["AlarmName"], found, reason if fired else None, subscription, queue_url)
            for line in left:  # said at once: an interrupted run has no report to carry it
                print(f"tapcheck: the H4 probe could not put back: {line}", file=sys.stderr)
        if left and error is None:
            raise Fail("the H4 probe could not put everything back: " + "; ".join(left))


def _put_back(
    ctx: Context, alarm_name: str, found: dict, reason: str | None, subscription: str | None, queue_url: str | None
) -> list[str]:
    """The alarm back to the state it was found in (only while it still carries the probe's reason: a
    state CloudWatch set meanwhile stays), the subscription and the queue removed. What could not be
    done, with the command that does it."""
    left = []
    cloudwatch = ctx.target.client("cloudwatch")
    if reason is not None:
        try:
            now = cloudwatch.describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"][0]
            if now.get("StateReason") == reason and now["StateValue"] != found["StateValue"]:
                cloudwatch.set_alarm_state(
                    AlarmName=alarm_name,
                    StateValue=found["StateValue"],
                    StateReason=f"{reason}: set back to {found['StateValue']}, the state it was found in",
                )
        except Exception as e:  # noqa: BLE001 - reported with the command, never hidden
            left.append(
                f"alarm {alarm_name} not set back to {found['StateValue']} ({type(e).__name__}: "
                f"{one_line(e)[:160]}): aws cloudwatch set-alarm-state --alarm-name {alarm_name} --state-value "
                f"{found['StateValue']} --state-reason 'tapcheck probe: set back'"
            )
    if subscription and subscription.startswith("arn:"):
        try:
            ctx.target.client("sns").unsubscribe(SubscriptionArn=subscription)
        except Exception as e:  # noqa: BLE001
            left.append(
                f"subscription {subscription} ({type(e).__name__}): aws sns unsubscribe --subscription-arn "
                f"{subscription}"
            )
    if queue_url:
        try:
            ctx.target.client("sqs").delete_queue(QueueUrl=queue_url)
        except Exception as e:  # noqa: BLE001
            left.append(f"queue {queue_url} ({type(e).__name__}): aws sqs delete-queue --queue-url {queue_url}")
    return left


def _is_alarm_notification(body: str, alarm_name: str) -> bool:
    try:
        envelope = json.loads(body)
        message = json.loads(envelope.get("Message", "{}")) if isinstance(envelope, dict) else {}
    except ValueError:
        return False
    return (
        isinstance(message, dict) and message.get("AlarmName") == alarm_name and message.get("NewStateValue") == "ALARM"
    )


def _last_action(cloudwatch, alarm_name: str) -> str:
    try:
        items = cloudwatch.describe_alarm_history(AlarmName=alarm_name, HistoryItemType="Action", MaxRecords=5).get(
            "AlarmHistoryItems", []
        )
    except Exception as e:  # noqa: BLE001 - the history is a clue, not the verdict
        return f"unreadable ({type(e).__name__}: {e})"
    if not items:
        return "no action recorded"
    latest = max(items, key=lambda i: i.get("Timestamp", 0))
    return latest.get("HistorySummary", "") + (f" {latest['HistoryData']}" if latest.get("HistoryData") else "")
