"""H4 — mutation operators: each breaks one check of this folder (or one it shares), on a copy of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import alarm_topic, cpu_alarm, credential_secret, properties
from tapcheck.requirements.unit import operator


@operator("alarm-notifies", ["removed", "empty", "literal-arn", "secret", "ok-only"])
def alarm_action_not_topic(t, how):
    """The CPU alarm notifies no SNS topic of this stack."""
    alarm = properties(cpu_alarm(t)[1])
    if how == "removed":
        alarm.pop("AlarmActions")
    elif how == "empty":
        alarm["AlarmActions"] = []
    elif how == "literal-arn":
        alarm["AlarmActions"] = ["arn:aws:sns:us-east-1:123456789012:someone-elses-topic"]
    elif how == "secret":
        alarm["AlarmActions"] = [{"Ref": credential_secret(t)[0]}]
    else:
        topic = alarm_topic(t)[0]
        alarm.pop("AlarmActions")
        alarm["OKActions"] = [{"Ref": topic}]


@operator("alarm-notifies", [False, "false"])
def alarm_actions_disabled(t, value):
    properties(cpu_alarm(t)[1])["ActionsEnabled"] = value
