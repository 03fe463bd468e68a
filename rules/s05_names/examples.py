"""S5 — a rewrite that keeps the detail met, and a change that breaks it."""

from tapcheck.requirements.common import SECRET, props


def passing_example(template: dict) -> None:
    props(template, SECRET)["Name"] = {"Fn::Join": ["-", ["aurora-credentials", {"Ref": "EnvironmentSuffix"}]]}


def failing_example(template: dict) -> None:
    props(template, SECRET)["Name"] = "aurora-credentials-prod"
