"""S3 — a rewrite that keeps the detail met, and a change that breaks it."""

from tapcheck.requirements.common import INSTANCE, props


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["PubliclyAccessible"] = "false"


def failing_example(template: dict) -> None:
    props(template, INSTANCE).pop("PubliclyAccessible")
