"""S4 — a rewrite that keeps the detail met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["VpcSecurityGroupIds"] = [{"Fn::Sub": "${VpcSecurityGroupId}"}]


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("VpcSecurityGroupIds")  # the VPC's default security group
