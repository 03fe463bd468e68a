"""R8 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import alarm_metric_fields, cpu_alarm, new_id, properties, referenced_ids
from tapcheck.requirements.unit import operator


def _threshold_strategy(_t):
    from hypothesis import strategies as st

    return st.one_of(
        st.integers(0, 100).filter(lambda v: v != 80), st.floats(0, 100, allow_nan=False).filter(lambda v: v != 80)
    )


@operator("cpu-alarm-threshold", [85, 79, 90, 80.5, "85", 8, 800], strategy=_threshold_strategy)
def alarm_threshold_changed(t, value):
    properties(cpu_alarm(t)[1])["Threshold"] = value


@operator("cpu-alarm-threshold", ["GreaterThanOrEqualToThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"])
def alarm_comparison_changed(t, value):
    properties(cpu_alarm(t)[1])["ComparisonOperator"] = value


@operator(
    "cpu-alarm-duration",
    [
        (60, 1, None),
        (600, 1, None),
        (900, 1, None),
        (300, 2, None),
        (60, 5, 1),
        (60, 5, 3),
        (60, 3, None),
        (10, 30, None),
        (30, 10, None),
    ],
)
def alarm_duration_changed(t, choice):
    """Not a sustained 5 minutes: 1 minute, 10 minutes, 2 × 5 minutes, 1 datapoint of 5, or sub-minute periods
    of a metric RDS publishes every 60 s (most periods would have no data)."""
    period, periods, datapoints = choice
    alarm = properties(cpu_alarm(t)[1])
    _, stat = alarm_metric_fields(cpu_alarm(t)[1])
    stat["Period"] = period
    alarm["EvaluationPeriods"] = periods
    if datapoints is None:
        alarm.pop("DatapointsToAlarm", None)
    else:
        alarm["DatapointsToAlarm"] = datapoints


@operator("cpu-alarm-duration", ["Maximum", "Minimum", "Sum", "SampleCount", "p99"])
def alarm_statistic_changed(t, value):
    _, stat = alarm_metric_fields(cpu_alarm(t)[1])
    stat["Stat" if "Stat" in stat else "Statistic"] = value


@operator("cpu-alarm-duration", ["Seconds", "Count", "Bytes"])
def alarm_unit_changed(t, value):
    """A Unit other than CPUUtilization's Percent: the alarm matches no datapoints at all."""
    _, stat = alarm_metric_fields(cpu_alarm(t)[1])
    stat["Unit"] = value


@operator(
    "cpu-alarm",
    [
        "name:FreeableMemory",
        "name:CPUCreditUsage",
        "namespace:AWS/EC2",
        "dimension:DBInstanceIdentifier",
        "value:another-cluster",
        "dimensions:extra",
    ],
)
def alarm_watches_something_else(t, how):
    """Another metric, namespace or resource than this cluster's CPU."""
    metric, _ = alarm_metric_fields(cpu_alarm(t)[1])
    kind, value = how.split(":", 1)
    if kind == "name":
        metric["MetricName"] = value
    elif kind == "namespace":
        metric["Namespace"] = value
    elif kind == "dimension":
        metric["Dimensions"][0]["Name"] = value
    elif kind == "value":
        metric["Dimensions"][0]["Value"] = value
    else:
        metric["Dimensions"].append({"Name": "Role", "Value": "WRITER"})


@operator("cpu-alarm")
def cpu_alarm_removed(t, _):
    key, _ = cpu_alarm(t)
    del t["Resources"][key]
    t["Outputs"] = {k: v for k, v in t.get("Outputs", {}).items() if key not in referenced_ids(v)}


@operator("cpu-alarm", ["literal-account", "parameter-account"])
def alarm_watches_another_account(t, how):
    """The CPU metric read from another account (MetricDataQuery.AccountId)."""
    body = properties(cpu_alarm(t)[1])
    if "Metrics" not in body:
        metric = {k: body.pop(k) for k in ("Namespace", "MetricName", "Dimensions") if k in body}
        body["Metrics"] = [
            {
                "Id": "cpu",
                "ReturnData": True,
                "MetricStat": {"Metric": metric, "Period": body.pop("Period"), "Stat": body.pop("Statistic")},
            }
        ]
    entry = next(m for m in body["Metrics"] if m.get("MetricStat"))
    if how == "literal-account":
        entry["AccountId"] = "111122223333"
    else:
        name = new_id(t, "MonitoredAccount")
        t.setdefault("Parameters", {})[name] = {
            "Type": "String",
            "Default": "444455556666",
            "Description": "Account whose metric the alarm watches",
        }
        entry["AccountId"] = {"Ref": name}
