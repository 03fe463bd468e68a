"""R10 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import ALARM, CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, ALARM)["Tags"] = list(reversed(props(template, ALARM)["Tags"])) + [
        {"Key": "CostCenter", "Value": "payments"}
    ]


def failing_example(template: dict) -> None:
    tags = props(template, CLUSTER)["Tags"]
    props(template, CLUSTER)["Tags"] = [t for t in tags if t["Key"] != "ManagedBy"]
