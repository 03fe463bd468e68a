"""R8 — a CloudWatch alarm on this cluster's CPUUtilization above 80 % for 5 minutes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tapcheck.model import Model, Resource, as_int, as_number, as_str
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import ALARM, names, props, of_the_cluster

SPEC = "CloudWatch alarm for CPU > 80% for 5 minutes (seed R8)"
THRESHOLD = 80.0
WINDOW_SECONDS = 300
METRIC_PERIOD = 60     # RDS publishes CPUUtilization once a minute: shorter periods see gaps


@dataclass
class AlarmMetric:
    """The one metric an alarm watches, from either the classic or the Metrics form."""
    namespace: Any
    name: Any
    dimensions: Any
    statistic: Any
    period: Any
    unit: Any


def alarm_metric(alarm: Resource) -> AlarmMetric | None:
    metrics = alarm.get("Metrics")
    if metrics is None:
        return AlarmMetric(alarm.get("Namespace"), alarm.get("MetricName"), alarm.get("Dimensions") or [],
                           alarm.get("Statistic"), alarm.get("Period"), alarm.get("Unit"))
    returned = [m for m in metrics if isinstance(m, dict) and m.get("ReturnData", True) not in (False, "false")]
    if len(metrics) != 1 or len(returned) != 1 or not isinstance(returned[0].get("MetricStat"), dict):
        return None          # metric math: not the plain CPU metric
    stat = returned[0]["MetricStat"]
    metric = stat.get("Metric") or {}
    return AlarmMetric(metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions") or [],
                       stat.get("Stat"), stat.get("Period"), stat.get("Unit"))


def watches_cluster_cpu(model: Model, alarm: Resource, cluster: Resource) -> bool:
    metric = alarm_metric(alarm)
    if metric is None or metric.namespace != "AWS/RDS" or metric.name != "CPUUtilization":
        return False
    dimensions = metric.dimensions if isinstance(metric.dimensions, list) else []
    return (len(dimensions) == 1 and isinstance(dimensions[0], dict)
            and dimensions[0].get("Name") == "DBClusterIdentifier"
            and names(model, dimensions[0].get("Value"), cluster))


def over_80(alarm: Resource) -> bool:
    return (alarm.get("ComparisonOperator") == "GreaterThanThreshold"
            and as_number(alarm.get("Threshold")) == THRESHOLD)


def cpu_alarms(model: Model, cluster: Resource) -> list[Resource]:
    return [a for a in model.of_type(ALARM) if watches_cluster_cpu(model, a, cluster)]


@of_the_cluster
def check(model: Model, cluster: Resource):
    alarms = cpu_alarms(model, cluster)
    if not alarms:
        yield violation(None, "/Resources", "No CloudWatch alarm watches this cluster's CPUUtilization "
                        "(AWS/RDS, dimension DBClusterIdentifier = the cluster)",
                        "Add an AWS::CloudWatch::Alarm on CPUUtilization with Dimensions DBClusterIdentifier Ref cluster",
                        "alarm")
        return
    if not any(_alarm_problems(a) == [] for a in alarms):
        for alarm in alarms:
            yield from _alarm_problems(alarm)


def _alarm_problems(alarm: Resource) -> list:
    problems = []
    metric = alarm_metric(alarm)
    if not over_80(alarm):
        problems.append(violation(alarm, ("Threshold",),
                                  f"Alarm fires on {alarm.get('ComparisonOperator')} {alarm.get('Threshold')!r}, "
                                  "not CPU above 80 %",
                                  "Set ComparisonOperator GreaterThanThreshold and Threshold 80", "threshold"))
    if metric.unit not in (None, "Percent"):     # CPUUtilization is in Percent: another unit matches no data
        problems.append(violation(alarm, ("Unit",), f"Unit is {metric.unit!r}: CPUUtilization is published in Percent",
                                  "Remove Unit or set it to Percent", "unit"))
    if metric.statistic != "Average":
        problems.append(violation(alarm, ("Statistic",), f"Statistic is {metric.statistic!r}, not Average",
                                  "Set Statistic to Average", "statistic"))
    period, periods = as_int(metric.period), as_int(alarm.get("EvaluationPeriods"))
    datapoints = as_int(alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods")))
    if period is not None and period % METRIC_PERIOD:
        problems.append(violation(alarm, ("Period",),
                                  f"Period {period} s is shorter than or not a multiple of the metric's "
                                  f"{METRIC_PERIOD} s resolution: most periods have no data",
                                  "Use a Period that is a multiple of 60 s", "period"))
    elif period is None or periods is None or period * periods != WINDOW_SECONDS or datapoints != periods:
        problems.append(violation(alarm, ("Period",),
                                  f"Alarm needs {as_str(alarm.get('DatapointsToAlarm')) or periods} of {periods} "
                                  f"period(s) of {metric.period!r} s breaching: not a sustained 5 minutes",
                                  "Use Period × EvaluationPeriods = 300 s with every datapoint breaching "
                                  "(e.g. Period 300, EvaluationPeriods 1)", "duration"))
    return problems


def passing_example(template: dict) -> None:
    props(template, ALARM).update(Period=60, EvaluationPeriods=5, DatapointsToAlarm=5)   # five 1-minute periods


def failing_example(template: dict) -> None:
    props(template, ALARM)["Threshold"] = 85


REQUIREMENT = Requirement("R8", "CPU alarm: above 80 % for 5 minutes", SPEC, check, passing_example, failing_example)
