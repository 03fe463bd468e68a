"""H4 — the CPU alarm notifies an SNS topic of this stack, with actions enabled."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_bool
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import ALARM, TOPIC, names, props, of_the_cluster
from tapcheck.requirements.r08_cpu_alarm import cpu_alarms

SPEC = "Hardening (AWS Control Tower CT.CLOUDWATCH.PR.1): the CPU alarm notifies an SNS topic"


@of_the_cluster
def check(model: Model, cluster: Resource):
    alarms = cpu_alarms(model, cluster)
    topics = model.of_type(TOPIC)
    for alarm in alarms:
        actions = alarm.get("AlarmActions") or []
        if not any(names(model, action, topic) for action in actions for topic in topics):
            yield violation(alarm, ("AlarmActions",), "The CPU alarm notifies no SNS topic of this stack",
                            "Set AlarmActions to [Ref the SNS topic]", "action")
        if as_bool(alarm.get("ActionsEnabled", True)) is not True:
            yield violation(alarm, ("ActionsEnabled",), "The alarm's actions are disabled",
                            "Remove ActionsEnabled or set it to true", "actions-enabled")


def passing_example(template: dict) -> None:
    alarm = props(template, ALARM)
    alarm["InsufficientDataActions"] = list(alarm["AlarmActions"])       # an added action


def failing_example(template: dict) -> None:
    props(template, ALARM)["ActionsEnabled"] = False


REQUIREMENT = Requirement("H4", "CPU alarm notifies SNS", SPEC, check, passing_example, failing_example)
