"""R8 — probes: the alarm CloudWatch holds, judged as the static check judges it."""

from __future__ import annotations

from tapcheck.live.context import Context, Fail
from tapcheck.requirements.unit import probe, values

V = values(__file__)
METRIC_PERIOD_SECONDS = 60     # RDS publishes CPUUtilization every minute (see checks.py)


def cpu_alarms(ctx: Context) -> list[dict]:
    names = ctx.physical("AWS::CloudWatch::Alarm")
    alarms = ctx.target.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"] if names else []
    cid = ctx.cluster["DBClusterIdentifier"]
    return [a for a in alarms if a.get("MetricName") == V["metric"] and a.get("Namespace") == V["namespace"]
            and [(d["Name"], d["Value"]) for d in a.get("Dimensions") or []] == [(V["dimension"], cid)]]


@probe("cpu-alarm", "cpu-alarm-threshold", "cpu-alarm-duration",
       title="an alarm on this cluster's CPUUtilization: Average > 80 % for 5 minutes, every datapoint breaching")
def cpu_alarm(ctx: Context) -> str:
    alarms = cpu_alarms(ctx)
    if not alarms:
        raise Fail(f"no {V['namespace']} {V['metric']} alarm on {V['dimension']}={ctx.cluster['DBClusterIdentifier']} "
                   f"among {ctx.physical('AWS::CloudWatch::Alarm')}")
    problems = []
    for a in alarms:
        period, periods = int(a.get("Period", 0)), int(a.get("EvaluationPeriods", 0))
        datapoints = int(a.get("DatapointsToAlarm") or periods)
        wrong = [text for ok, text in (
            (a.get("ComparisonOperator") == V["comparison"] and float(a["Threshold"]) == V["threshold"],
             f"condition {a.get('ComparisonOperator')} {a.get('Threshold')}"),
            (a.get("Statistic") == V["statistic"], f"statistic {a.get('Statistic') or a.get('ExtendedStatistic')}"),
            (a.get("Unit") in (None, V["unit"]), f"unit {a.get('Unit')}"),
            (period % METRIC_PERIOD_SECONDS == 0 and period * periods == V["window_seconds"] and datapoints == periods,
             f"{datapoints} of {periods} period(s) of {period} s"),
            (a.get("ActionsEnabled", True) is True, "actions disabled")) if not ok]
        if not wrong:
            return (f"{a['AlarmName']}: {a['Statistic']} {V['metric']} > {a['Threshold']:g} over "
                    f"{periods} x {period} s")
        problems.append(f"{a['AlarmName']}: {', '.join(wrong)}")
    raise Fail("; ".join(problems))
