"""H4 — the CPU alarm notifies an SNS topic of this stack, with actions enabled."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_bool, show
from tapcheck.requirements.common import TOPIC, names, of_the_cluster
from tapcheck.requirements.unit import check, violation
from tapcheck.rules.r08_cpu_alarm.checks import cpu_alarms


@check("alarm-notifies")
@of_the_cluster
def alarm_notifies(model: Model, cluster: Resource):
    """Every CPU alarm's AlarmActions name an SNS topic of this stack, and its actions are enabled."""
    topics = model.of_type(TOPIC)
    for alarm in cpu_alarms(model, cluster):
        actions = alarm.get("AlarmActions") or []
        actions = actions if isinstance(actions, list) else [actions]
        if not any(names(model, action, topic) for action in actions for topic in topics):
            yield violation(alarm, ("AlarmActions",),
                            f"The CPU alarm's AlarmActions ({show(alarm.get('AlarmActions'))}) notify no SNS topic of this stack",
                            "Set AlarmActions to [!Ref the SNS topic]")
        # ActionsEnabled defaults to true:
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
        if as_bool(alarm.get("ActionsEnabled", True)) is not True:
            yield violation(alarm, ("ActionsEnabled",), f"The alarm's actions are disabled ({show(alarm.get('ActionsEnabled'))})",
                            "Remove ActionsEnabled or set it to true")
