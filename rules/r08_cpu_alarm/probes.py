"""R8 — probes: the alarm CloudWatch holds, judged as the static check judges it."""

from __future__ import annotations

from tapcheck.live.context import Context, Fail, expect
from tapcheck.live.lookups import cpu_alarms
from tapcheck.requirements.unit import probe, values

V = values(__file__)
METRIC_PERIOD_SECONDS = 60  # RDS publishes CPUUtilization every minute (see checks.py)


def _the_alarms(ctx: Context) -> list[dict]:
    alarms = cpu_alarms(ctx)
    if not alarms:
        raise Fail(
            f"no {V['namespace']} {V['metric']} alarm on {V['dimension']}={ctx.cluster['DBClusterIdentifier']} "
            f"among {ctx.physical('AWS::CloudWatch::Alarm')}"
        )
    return alarms


def _over_threshold(alarm: dict) -> bool:
    return alarm.get("ComparisonOperator") == V["comparison"] and float(alarm["Threshold"]) == V["threshold"]


@probe("cpu-alarm", title="an alarm watches this cluster's CPUUtilization (AWS/RDS, DBClusterIdentifier)")
def cpu_alarm(ctx: Context) -> str:
    return ", ".join(a["AlarmName"] for a in _the_alarms(ctx))


@probe("cpu-alarm-threshold", title="the CPU alarm fires above 80 %")
def cpu_alarm_threshold(ctx: Context) -> str:
    alarms = _the_alarms(ctx)
    hit = [a for a in alarms if _over_threshold(a)]
    expect(
        bool(hit), "; ".join(f"{a['AlarmName']}: {a.get('ComparisonOperator')} {a.get('Threshold')}" for a in alarms)
    )
    return f"{hit[0]['AlarmName']}: {V['comparison']} {hit[0]['Threshold']:g}"


@probe(
    "cpu-alarm-duration",
    title="the alarm above 80 % watches the Average, in Percent, for 5 minutes, every datapoint breaching",
)
def cpu_alarm_duration(ctx: Context) -> str:
    problems = []
    for a in [a for a in _the_alarms(ctx) if _over_threshold(a)] or _the_alarms(ctx):
        period, periods = int(a.get("Period", 0)), int(a.get("EvaluationPeriods", 0))
        datapoints = int(a.get("DatapointsToAlarm") or periods)
        wrong = [
            text
            for ok, text in (
                (a.get("Statistic") == V["statistic"], f"statistic {a.get('Statistic') or a.get('ExtendedStatistic')}"),
                (a.get("Unit") in (None, V["unit"]), f"unit {a.get('Unit')}"),
                (
                    period % METRIC_PERIOD_SECONDS == 0
                    and period * periods == V["window_seconds"]
                    and datapoints == periods,
                    f"{datapoints} of {periods} period(s) of {period} s",
                ),
            )
            if not ok
        ]
        if not wrong:
            return f"{a['AlarmName']}: {a['Statistic']} over {periods} x {period} s"
        problems.append(f"{a['AlarmName']}: {', '.join(wrong)}")
    raise Fail("; ".join(problems))
