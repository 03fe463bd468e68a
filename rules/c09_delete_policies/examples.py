"""C9 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, INSTANCE, first


def passing_example(template: dict) -> None:
    for resource in template["Resources"].values():
        resource.pop("UpdateReplacePolicy", None)  # Delete is CloudFormation's default for every type
        if resource["Type"] not in (CLUSTER, INSTANCE):
            resource.pop("DeletionPolicy", None)  # Delete is the default for these types


def failing_example(template: dict) -> None:
    first(template, CLUSTER).pop("DeletionPolicy")  # a DB cluster defaults to Snapshot
