"""R3 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER).update(StorageEncrypted="true")
    props(template, CLUSTER).pop("DeletionProtection", None)  # default is off


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("StorageEncrypted")  # unencrypted by default
