"""H4 — a rewrite that keeps the hardening met, and a change that breaks it."""

from tapcheck.requirements.common import ALARM, props


def passing_example(template: dict) -> None:
    alarm = props(template, ALARM)
    alarm["InsufficientDataActions"] = list(alarm["AlarmActions"])       # an added action


def failing_example(template: dict) -> None:
    props(template, ALARM)["ActionsEnabled"] = False
