"""R5 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import SUBNET_GROUP, props


def passing_example(template: dict) -> None:
    props(template, SUBNET_GROUP)["SubnetIds"] = [{"Ref": "SubnetId2"}, {"Ref": "SubnetId1"}]


def failing_example(template: dict) -> None:
    props(template, SUBNET_GROUP)["SubnetIds"] = [{"Ref": "SubnetId1"}, "subnet-0123456789abcdef0"]
