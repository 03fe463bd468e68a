"""The alarms that watch the cluster's CPU, read as CloudWatch reads them: shared by R8, which
requires one, and H4, which requires its notification to reach someone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tapcheck.model import Model, PseudoRef, Resource, Text
from tapcheck.requirements.common import ALARM, names
from tapcheck.requirements.registry import values_of

V = values_of("R8")  # the metric, namespace and dimension the spec's alarm watches


@dataclass
class AlarmMetric:
    """The one metric an alarm watches, from either the classic or the Metrics form."""

    namespace: Any
    name: Any
    dimensions: Any
    statistic: Any
    period: Any
    unit: Any
    account: Any = None  # MetricDataQuery.AccountId: the account whose metric it is (None: the alarm's own)


def alarm_metric(alarm: Resource) -> AlarmMetric | None:
    metrics = alarm.get("Metrics")
    if metrics is None:
        return AlarmMetric(
            alarm.get("Namespace"),
            alarm.get("MetricName"),
            alarm.get("Dimensions") or [],
            alarm.get("Statistic"),
            alarm.get("Period"),
            alarm.get("Unit"),
        )
    if not isinstance(metrics, list):
        return None
    returned = [m for m in metrics if isinstance(m, dict) and m.get("ReturnData", True) not in (False, "false")]
    if len(metrics) != 1 or len(returned) != 1 or not isinstance(returned[0].get("MetricStat"), dict):
        return None  # metric math: not the plain CPU metric
    stat = returned[0]["MetricStat"]
    metric = stat.get("Metric") or {}
    return AlarmMetric(
        metric.get("Namespace"),
        metric.get("MetricName"),
        metric.get("Dimensions") or [],
        stat.get("Stat"),
        stat.get("Period"),
        stat.get("Unit"),
        returned[0].get("AccountId"),
    )


# MetricDataQuery.AccountId: "If you are performing a PutMetricAlarm operation, use this to specify which
# account contains the metric that the alarm is watching."
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html
def in_this_account(metric: AlarmMetric) -> bool:
    """The metric is the stack's own account's: no AccountId, or ${AWS::AccountId} (a literal id may be anyone's)."""
    account = metric.account
    if account is None or account == PseudoRef("AWS::AccountId"):
        return True
    return isinstance(account, Text) and account.parts == (PseudoRef("AWS::AccountId"),)


def watches_cluster_cpu(model: Model, alarm: Resource, cluster: Resource, any_account: bool = False) -> bool:
    metric = alarm_metric(alarm)
    if metric is None or metric.namespace != V["namespace"] or metric.name != V["metric"]:
        return False
    if not any_account and not in_this_account(metric):
        return False
    dimensions = metric.dimensions if isinstance(metric.dimensions, list) else []
    return (
        len(dimensions) == 1
        and isinstance(dimensions[0], dict)
        and dimensions[0].get("Name") == V["dimension"]
        and names(model, dimensions[0].get("Value"), cluster)
    )


def cpu_alarms(model: Model, cluster: Resource) -> list[Resource]:
    """The alarms that watch this cluster's CPUUtilization."""
    return [a for a in model.of_type(ALARM) if watches_cluster_cpu(model, a, cluster)]
