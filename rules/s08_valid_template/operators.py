"""S8 — mutation operators: each breaks one check of this folder (or one it shares), on a copy of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import alarm_topic, cpu_alarm, properties
from tapcheck.requirements.unit import operator


@operator("cfn-lint-clean", ["unknown-property", "list-for-string", "bad-enum", "object-for-string", "bad-pattern",
                 "unknown-attribute-key"], tools=True)
def invalid_cloudformation(t, how):
    """An unknown property, a wrong type, a value outside an enum: the schema says no."""
    topic = properties(alarm_topic(t)[1])
    alarm = properties(cpu_alarm(t)[1])
    if how == "unknown-property":
        topic["Colour"] = "blue"
    elif how == "list-for-string":
        topic["DisplayName"] = ["Aurora", "alarms"]
    elif how == "bad-enum":
        alarm["TreatMissingData"] = "ignoreIt"
    elif how == "object-for-string":
        alarm["AlarmDescription"] = {"text": "cpu"}
    elif how == "bad-pattern":
        alarm["Unit"] = "Percentage"
    else:
        alarm_topic(t)[1]["Condition"] = "NoSuchCondition"
