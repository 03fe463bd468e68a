"""C8 — an alarm fires when the cluster's CPU exceeds 80 %."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import ALARM, props, of_the_cluster
from tapcheck.requirements.r08_cpu_alarm import cpu_alarms, over_80

SPEC = "CloudWatch alarms for CPU > 80% (seed C8)"


@of_the_cluster
def check(model: Model, cluster: Resource):
    alarms = cpu_alarms(model, cluster)
    if not any(over_80(a) for a in alarms):
        yield violation(alarms[0] if alarms else None, ("Threshold",) if alarms else "/Resources",
                        "No alarm on this cluster's CPUUtilization fires above 80 %",
                        "Alarm on CPUUtilization with GreaterThanThreshold 80", "threshold")


def passing_example(template: dict) -> None:
    props(template, ALARM)["Threshold"] = "80"


def failing_example(template: dict) -> None:
    props(template, ALARM)["ComparisonOperator"] = "GreaterThanOrEqualToThreshold"


REQUIREMENT = Requirement("C8", "CPU > 80 % alarm", SPEC, check, passing_example, failing_example)
