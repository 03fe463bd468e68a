"""C6 — a rewrite that keeps the constraint met, and a change that breaks it."""

from tapcheck.requirements.common import INSTANCE, SUBNET_GROUP, props


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["AvailabilityZone"] = {"Fn::Select": [0, {"Fn::GetAZs": ""}]}


def failing_example(template: dict) -> None:
    props(template, SUBNET_GROUP)["SubnetIds"] = [{"Ref": "SubnetId1"}, {"Ref": "SubnetId1"}]
