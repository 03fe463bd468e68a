"""R8 — a CloudWatch alarm on this cluster's CPUUtilization, Average above 80 % sustained for 5 minutes."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_int, as_number, show
from tapcheck.requirements.alarms import alarm_metric, cpu_alarms, watches_cluster_cpu
from tapcheck.requirements.common import ALARM, of_the_cluster
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)
# RDS publishes CPUUtilization once a minute; a shorter or misaligned period sees gaps:
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html
METRIC_PERIOD_SECONDS = 60


def over_threshold(alarm: Resource) -> bool:
    return alarm.get("ComparisonOperator") == V["comparison"] and as_number(alarm.get("Threshold")) == V["threshold"]


def duration_problems(alarm: Resource) -> list:
    problems = []
    metric = alarm_metric(alarm)
    if metric is None:  # cpu_alarms() admits only alarms on one plain metric
        raise ValueError(f"{alarm.logical_id} watches no single metric")
    if metric.unit not in (None, V["unit"]):  # CPUUtilization is in Percent: another unit matches no data
        problems.append(
            violation(
                alarm,
                ("Unit",),
                f"Unit is {show(metric.unit)}: CPUUtilization is published in {V['unit']}",
                f"Remove Unit or set it to {V['unit']}",
            )
        )
    if metric.statistic != V["statistic"]:
        problems.append(
            violation(
                alarm,
                ("Statistic",),
                f"Statistic is {show(metric.statistic)}, not {V['statistic']}",
                f"Set Statistic to {V['statistic']}",
            )
        )
    window = V["window_seconds"]
    period, periods = as_int(metric.period), as_int(alarm.get("EvaluationPeriods"))
    datapoints = as_int(alarm.get("DatapointsToAlarm", alarm.get("EvaluationPeriods")))
    if period is not None and period % METRIC_PERIOD_SECONDS:
        problems.append(
            violation(
                alarm,
                ("Period",),
                f"Period {period} s is shorter than or not a multiple of the metric's "
                f"{METRIC_PERIOD_SECONDS} s resolution: most periods have no data",
                f"Use a Period that is a multiple of {METRIC_PERIOD_SECONDS} s",
            )
        )
    elif period is None or periods is None or period * periods != window or datapoints != periods:
        problems.append(
            violation(
                alarm,
                ("Period",),
                f"Alarm needs {show(alarm.get('DatapointsToAlarm', periods))} of {show(periods)} "
                f"period(s) of {show(metric.period)} s breaching: not a sustained {window // 60} minutes",
                f"Use Period × EvaluationPeriods = {window} s with every datapoint breaching "
                f"(e.g. Period {window}, EvaluationPeriods 1)",
            )
        )
    return problems


@check("cpu-alarm")
@of_the_cluster
def cpu_alarm(model: Model, cluster: Resource):
    """An alarm watches this cluster's CPUUtilization (AWS/RDS, dimension DBClusterIdentifier = the cluster)."""
    if not cpu_alarms(model, cluster):
        elsewhere = [a for a in model.of_type(ALARM) if watches_cluster_cpu(model, a, cluster, any_account=True)]
        for alarm in elsewhere:
            metric = alarm_metric(alarm)
            account = metric.account if metric is not None else None  # a metric: it watches the cluster's CPU
            yield violation(
                alarm,
                ("Metrics",),
                f"The alarm {alarm.logical_id} watches {V['metric']} in account "
                f"{show(account)}, not this stack's: it is not this cluster's metric",
                "Remove AccountId from the alarm's metric (or set it to !Ref AWS::AccountId) "
                "(https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html)",
                "other-account",
            )
        if elsewhere:
            return
        yield violation(
            None,
            "/Resources",
            f"No CloudWatch alarm watches this cluster's {V['metric']} "
            f"({V['namespace']}, dimension {V['dimension']} = the cluster)",
            f"Add an AWS::CloudWatch::Alarm on {V['metric']} with Dimensions {V['dimension']} !Ref cluster",
        )


@check("cpu-alarm-threshold")
@of_the_cluster
def cpu_alarm_threshold(model: Model, cluster: Resource):
    """An alarm on this cluster's CPU fires above 80 % (GreaterThanThreshold 80)."""
    alarms = cpu_alarms(model, cluster)
    if alarms and not any(over_threshold(a) for a in alarms):
        for alarm in alarms:
            yield violation(
                alarm,
                ("Threshold",),
                f"Alarm fires on {show(alarm.get('ComparisonOperator'))} {show(alarm.get('Threshold'))}, "
                f"not CPU above {V['threshold']:g} %",
                f"Set ComparisonOperator {V['comparison']} and Threshold {V['threshold']:g}",
            )


@check("cpu-alarm-duration")
@of_the_cluster
def cpu_alarm_duration(model: Model, cluster: Resource):
    """The alarm that fires above 80 % watches the Average, in Percent, sustained for 5 minutes."""
    alarms = [a for a in cpu_alarms(model, cluster) if over_threshold(a)]
    if alarms and not any(duration_problems(a) == [] for a in alarms):
        for alarm in alarms:
            yield from duration_problems(alarm)
