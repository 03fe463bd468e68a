"""CloudWatch alarms run their actions in the emulator, as AWS runs them, and the alarm
history records what happened (DescribeAlarmHistory, which moto lacks).

SetAlarmState: "When the updated state differs from the previous value, the action
configured for the appropriate state is invoked. For example, if your alarm is configured to
send an Amazon SNS message when an alarm is triggered, temporarily changing the alarm state
to ALARM sends an SNS message" and the change "is typically only visible in the alarm's
History tab ... or through DescribeAlarmHistory"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.html,
read at https://docs.amazonaws.cn/en_us/AmazonCloudWatch/latest/APIReference/API_SetAlarmState.md).
The state decides the actions: AlarmActions are "the actions to execute when this alarm
transitions to the ALARM state from any other state", OKActions the OK state,
InsufficientDataActions the INSUFFICIENT_DATA state, and ActionsEnabled "indicates whether
actions should be executed during any changes to the alarm state"
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html).

An SNS action publishes to the topic as CloudWatch would, unless the topic's encryption key
keeps CloudWatch out:
- the AWS managed key aws/sns, in any spelling (alias, alias ARN, its key id or key ARN):
  "If you use the default AWS managed key alias/aws/sns for encryption, then the CloudWatch
  alarm doesn't trigger the alarm action", its policy does not let CloudWatch call
  kms:Decrypt / kms:GenerateDataKey and "you can't manually edit the policies of AWS managed
  keys"; the history then reads 'Failed to execute action arn:aws:sns:...:TOPIC_NAME.
  Received error: "CloudWatch Alarms does not have authorization to access the SNS topic
  encryption key."' (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns; the
  English text of the message was read in the French copy of that page, which quotes it
  untranslated: https://repost.aws/fr/knowledge-center/cloudwatch-configure-alarm-sns);
- a customer managed key whose key policy does not allow the service principal
  cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey* (same page, the policy it
  gives), decided by the gate's evaluator on the request CloudWatch makes for this alarm (its
  aws:SourceAccount and aws:SourceArn: AWS's recommended conditions hold, another alarm's or
  account's do not). The same history text is used: AWS documents it for the aws/sns case only.
Otherwise moto's SNS delivers to the topic's subscriptions (SQS included). moto does not
check SQS queue policies on SNS delivery, so neither does the emulator (AWS requires the
queue policy to allow the topic: https://repost.aws/knowledge-center/sns-sqs-subscriptions-notifications).

A topic access policy whose explicit Deny of sns:Publish may apply to CloudWatch publishing this
alarm stops the action too (tapcheck.policies on the same request as the gate's H4).

Not done: metric breaches do not change alarm states (no metric evaluation), a topic policy's
Allow is not required (an alarm publishes to a topic of its own account under the default
topic policy), actions other than SNS are recorded as not run.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend
from moto.kms.models import KmsBackend, kms_backends
from moto.sns.models import sns_backends

from tapcheck.emulator.resources.clusters import log
from tapcheck.emulator.resources.kms import AWS_MANAGED_SNS_ALIAS
from tapcheck.policies import Outcome, evaluate, statements
from tapcheck.service_requests import CLOUDWATCH_PUBLISHES_TO_TOPIC, CLOUDWATCH_USES_TOPIC_KEY

CLOUDWATCH_PRINCIPAL = "cloudwatch.amazonaws.com"
# What CloudWatch needs of the topic's key (knowledge-center page above).
REQUIRED_KMS_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")
KEY_ACCESS_ERROR = "CloudWatch Alarms does not have authorization to access the SNS topic encryption key."
TOPIC_POLICY_ERROR = (
    "the topic policy denies cloudwatch.amazonaws.com sns:Publish (emulator wording: AWS's is undocumented)"
)
STATE_ACTIONS = {"ALARM": "alarm_actions", "OK": "ok_actions", "INSUFFICIENT_DATA": "insufficient_data_actions"}

# The alarm history, which moto does not keep: (account, region) -> items, oldest first.
_history_lock = threading.Lock()
_HISTORY: dict[tuple[str, str], list[dict[str, Any]]] = {}


# --- the topic's key ----------------------------------------------------------------
def key_policy_grants_cloudwatch(
    policy: Any,
    *,
    partition: str = "aws",
    region: str = "us-east-1",
    account: str = "123456789012",
    key_id: str = "key",
    alarm_name: str = "alarm",
) -> tuple[bool, str]:
    """Whether a key policy lets CloudWatch use the key for this alarm (REQUIRED_KMS_ACTIONS), and if
    not, why: decided by the gate's own evaluator (tapcheck.policies) on the request CloudWatch makes,
    with the context keys AWS documents for it (tapcheck.service_requests.CLOUDWATCH_USES_TOPIC_KEY:
    aws:SourceAccount, aws:SourceArn = the alarm's ARN). A decision resting on a key AWS does not
    document for the call cannot be made here: the emulator then does not deliver, saying why."""
    document = policy
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False, "the key policy is not JSON"
    if not isinstance(document, dict) or not statements(document):
        return False, "the key has no key policy"
    requests = CLOUDWATCH_USES_TOPIC_KEY.requests(
        partition=partition, region=region, account=account, key_id=key_id, alarm_name=alarm_name
    )
    missing = []
    for request in requests:
        decision = evaluate(document, request)
        if decision.outcome is Outcome.UNKNOWN:
            missing.append(f"{request.action} (undecidable: {decision.why_unknown()})")
        elif decision.outcome is not Outcome.ALLOW:
            missing.append(f"{request.action} ({'denied' if decision.outcome is Outcome.DENY else 'not allowed'})")
    if not missing:
        return True, f"the key policy allows {CLOUDWATCH_PRINCIPAL} " + " and ".join(REQUIRED_KMS_ACTIONS)
    return (
        False,
        f"the key policy does not let {CLOUDWATCH_PRINCIPAL} use it for alarm {alarm_name}: {', '.join(missing)}",
    )


def topic_policy_denies_cloudwatch(
    policy: Any, *, partition: str, region: str, account: str, topic_name: str, alarm_name: str
) -> bool:
    """An explicit Deny of the topic policy that applies, or may apply, to CloudWatch publishing this
    alarm (CLOUDWATCH_PUBLISHES_TO_TOPIC). Only a Deny stops it: an alarm publishes to a topic of its own
    account under SNS's default topic policy, whose Allow CloudWatch's request cannot decide."""
    denies = {"Statement": [st for st in statements(policy) if st.get("Effect") == "Deny"]}
    [request] = CLOUDWATCH_PUBLISHES_TO_TOPIC.requests(
        partition=partition, region=region, account=account, topic_name=topic_name, alarm_name=alarm_name
    )
    return evaluate(denies, request).outcome in (Outcome.DENY, Outcome.UNKNOWN)


def _kms_for(spec: str, account_id: str, region: str) -> KmsBackend:
    parts = spec.split(":")
    if spec.startswith("arn:") and len(parts) >= 6:
        return kms_backends[parts[4] or account_id][parts[3] or region]
    return kms_backends[account_id][region]


def topic_key_problem(
    kms_key_id: str, account_id: str, region: str, alarm_name: str, partition: str = "aws"
) -> str | None:
    """Why CloudWatch cannot publish the alarm's notification to a topic encrypted with `kms_key_id`, or None."""
    kms = _kms_for(kms_key_id, account_id, region)
    if kms.get_alias_name(kms_key_id) == AWS_MANAGED_SNS_ALIAS:
        return f"the topic uses the AWS managed key {AWS_MANAGED_SNS_ALIAS}"
    try:
        key = kms.describe_key(kms_key_id)
    except Exception:  # noqa: BLE001 - moto raises several kinds for an unknown key
        return f"the topic's key {kms_key_id} does not exist"
    if key.key_manager == "AWS" or AWS_MANAGED_SNS_ALIAS in key.aliases:
        names = ", ".join(sorted(key.aliases)) or key.id
        return f"the topic's key {key.id} is an AWS managed key ({names}) whose policy CloudWatch cannot use"
    if not key.enabled or getattr(key, "key_state", "Enabled") != "Enabled":
        return f"the topic's key {key.id} is {getattr(key, 'key_state', 'Disabled')}"
    ok, why = key_policy_grants_cloudwatch(
        key.policy, partition=partition, region=region, account=account_id, key_id=key.id, alarm_name=alarm_name
    )
    return None if ok else why


# --- running the actions ------------------------------------------------------------------
def _region_name(region: str) -> str:
    import botocore.session

    for partition in botocore.session.get_session().get_data("endpoints")["partitions"]:
        if region in partition["regions"]:
            return str(partition["regions"][region].get("description", region))
    return region


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def _notification(alarm: Any, account_id: str, region: str, old_state: str, when: datetime) -> dict[str, Any]:
    """The JSON CloudWatch publishes. AWS's documentation pages do not spell the format out;
    the field names follow AWS's own sample notification in aws/aws-lambda-go
    (events/testdata/cloudwatch-alarm-sns-payload-single-metric.json)."""
    return {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account_id,
        "NewStateValue": alarm.state_value,
        "NewStateReason": alarm.state_reason,
        "StateChangeTime": _stamp(when),
        "Region": _region_name(region),
        "AlarmArn": alarm.alarm_arn,
        "OldStateValue": old_state,
        "Trigger": {
            "MetricName": alarm.metric_name,
            "Namespace": alarm.namespace,
            "StatisticType": "ExtendedStatistic" if alarm.extended_statistic else "Statistic",
            "Statistic": (alarm.statistic or "").upper() or None,
            "Unit": alarm.unit,
            "Dimensions": [{"value": d.value, "name": d.name} for d in alarm.dimensions],
            "Period": alarm.period,
            "EvaluationPeriods": alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison_operator,
            "Threshold": alarm.threshold,
            "TreatMissingData": alarm.treat_missing_data,
        },
    }


def _record(
    backend: CloudWatchBackend, alarm: Any, item_type: str, summary: str, data: dict[str, Any], when: datetime
) -> None:
    item = {
        "AlarmName": alarm.name,
        "AlarmType": "MetricAlarm",
        "Timestamp": when,
        "HistoryItemType": item_type,
        "HistorySummary": summary[:255],
        "HistoryData": json.dumps(data)[:4095],
    }
    with _history_lock:
        _HISTORY.setdefault((backend.account_id, backend.region_name), []).append(item)


def _publish(backend: CloudWatchBackend, alarm: Any, arn: str, old_state: str, when: datetime) -> str | None:
    """Publish the notification to one SNS topic; None when delivered, else the error."""
    parts = arn.split(":")
    partition, account_id, region = parts[1], parts[4], parts[3]
    sns = sns_backends[account_id][region]
    try:
        topic = sns.get_topic(arn)
    except Exception:  # noqa: BLE001
        # AWS's wording for a deleted topic is not documented; this is the emulator's.
        return f"Topic {arn} does not exist"
    if topic.kms_master_key_id:
        problem = topic_key_problem(topic.kms_master_key_id, account_id, region, alarm.name, partition)
        if problem:
            log.warning("alarm %s cannot publish to %s: %s", alarm.name, arn, problem)
            return KEY_ACCESS_ERROR
    # The topic's access policy is evaluated too: an explicit Deny of sns:Publish that may apply to
    # CloudWatch publishing this alarm stops the action (reference_policies_evaluation-logic.html). AWS
    # does not document the history text for this case; TOPIC_POLICY_ERROR is the emulator's wording.
    if topic_policy_denies_cloudwatch(
        topic.policy, partition=partition, region=region, account=account_id, topic_name=parts[5], alarm_name=alarm.name
    ):
        log.warning("alarm %s cannot publish to %s: its topic policy denies %s", alarm.name, arn, CLOUDWATCH_PRINCIPAL)
        return TOPIC_POLICY_ERROR
    message = _notification(alarm, backend.account_id, backend.region_name, old_state, when)
    subject = f'{alarm.state_value}: "{alarm.name}" in {message["Region"]}'[:99]
    sns.publish(json.dumps(message), arn=arn, subject=subject)
    return None


def run_actions(backend: CloudWatchBackend, alarm: Any, old_state: str) -> None:
    """Run the actions for the alarm's new state and record each in its history."""
    enabled = alarm.actions_enabled
    if isinstance(enabled, str):
        enabled = enabled.lower() == "true"
    if not enabled:
        return
    for arn in list(getattr(alarm, STATE_ACTIONS.get(alarm.state_value, ""), None) or []):
        when = _now()
        data: dict[str, Any] = {
            "actionState": "Succeeded",
            "notificationResource": arn,
            "stateUpdateTimestamp": _stamp(alarm.state_updated_timestamp),
        }
        if ":sns:" not in arn:
            error: str | None = "the tapcheck emulator runs SNS actions only"
        else:
            error = _publish(backend, alarm, arn, old_state, when)
        if error is None:
            # The success wording is not documented on a page found; it mirrors the failure one.
            summary = f"Successfully executed action {arn}"
        else:
            data.update(actionState="Failed", error=error)
            summary = f'Failed to execute action {arn}. Received error: "{error}"'
        _record(backend, alarm, "Action", summary, data, when)


def state_changed(
    backend: CloudWatchBackend, alarm: Any, old_state: str | None, old_reason: str | None, reason: str
) -> None:
    """After SetAlarmState: a changed state is recorded in the history and runs its actions."""
    if old_state == alarm.state_value:
        return  # unchanged: no history item, no action (API_SetAlarmState, above)
    when = _now()
    # Summary and data as the AWS CLI reference example shows a StateUpdate item
    # (aws/aws-cli awscli/examples/cloudwatch/describe-alarm-history.rst, published at
    # https://docs.aws.amazon.com/cli/latest/reference/cloudwatch/describe-alarm-history.html).
    _record(
        backend,
        alarm,
        "StateUpdate",
        f"Alarm updated from {old_state} to {alarm.state_value}",
        {
            "version": "1.0",
            "oldState": {"stateValue": old_state, "stateReason": old_reason},
            "newState": {"stateValue": alarm.state_value, "stateReason": reason},
        },
        when,
    )
    run_actions(backend, alarm, old_state or "")


def describe_alarm_history(
    backend: CloudWatchBackend,
    alarm_name: str | None = None,
    item_type: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    newest_first: bool = True,
) -> list[dict[str, Any]]:
    with _history_lock:
        items = list(_HISTORY.get((backend.account_id, backend.region_name), []))
    items = [
        i
        for i in items
        if (not alarm_name or i["AlarmName"] == alarm_name)
        and (not item_type or i["HistoryItemType"] == item_type)
        and (start is None or i["Timestamp"] >= start)
        and (end is None or i["Timestamp"] <= end)
    ]
    return sorted(items, key=lambda i: i["Timestamp"], reverse=newest_first)


def history_page(backend: CloudWatchBackend, params: dict[str, Any]) -> dict[str, Any]:
    """DescribeAlarmHistory, with the request and response shapes of botocore's CloudWatch
    model and items as AlarmHistoryItem describes them
    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_AlarmHistoryItem.html):
    filters by AlarmName, HistoryItemType, StartDate/EndDate; ScanBy TimestampDescending
    (newest first, taken as the default) or TimestampAscending; MaxRecords with a NextToken."""
    items = describe_alarm_history(
        backend,
        params.get("AlarmName"),
        params.get("HistoryItemType"),
        _as_datetime(params.get("StartDate")),
        _as_datetime(params.get("EndDate")),
        newest_first=(params.get("ScanBy") or "TimestampDescending") != "TimestampAscending",
    )
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxRecords") or 100)
    result: dict[str, Any] = {"AlarmHistoryItems": items[start : start + size]}
    if start + size < len(items):
        result["NextToken"] = str(start + size)
    return result


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, UTC)
    text = str(value).replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
