"""R8 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import ALARM, props


def passing_example(template: dict) -> None:
    props(template, ALARM).update(Period=60, EvaluationPeriods=5, DatapointsToAlarm=5)  # five 1-minute periods


def failing_example(template: dict) -> None:
    props(template, ALARM)["Threshold"] = 85


def _metrics_form(template: dict, account) -> None:
    body = props(template, ALARM)
    metric = {k: body.pop(k) for k in ("Namespace", "MetricName", "Dimensions")}
    body["Metrics"] = [
        {
            "Id": "cpu",
            "AccountId": account,
            "ReturnData": True,
            "MetricStat": {"Metric": metric, "Period": body.pop("Period"), "Stat": body.pop("Statistic")},
        }
    ]


def passing_example_metric_of_this_account(template: dict) -> None:
    _metrics_form(template, {"Ref": "AWS::AccountId"})


def failing_example_metric_of_another_account(template: dict) -> None:
    """A cross-account alarm: the metric it watches is another account's, not this cluster's."""
    _metrics_form(template, "111122223333")
