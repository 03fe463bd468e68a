"""R8 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import ALARM, props


def passing_example(template: dict) -> None:
    props(template, ALARM).update(Period=60, EvaluationPeriods=5, DatapointsToAlarm=5)   # five 1-minute periods


def failing_example(template: dict) -> None:
    props(template, ALARM)["Threshold"] = 85
