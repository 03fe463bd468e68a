"""S2 — a rewrite that keeps the detail met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["EnableCloudwatchLogsExports"] = {"Fn::Split": [",", "postgresql"]}


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("EnableCloudwatchLogsExports")
