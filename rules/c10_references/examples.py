"""C10 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import ALARM, CLUSTER, INSTANCE, logical_id


def passing_example(template: dict) -> None:
    # An ordering the references do not already give is not redundant.
    instances = [k for k, r in template["Resources"].items() if r["Type"] == INSTANCE]
    template["Resources"][instances[1]]["DependsOn"] = instances[0]


def failing_example(template: dict) -> None:
    template["Resources"][logical_id(template, ALARM)]["DependsOn"] = [logical_id(template, CLUSTER)]
