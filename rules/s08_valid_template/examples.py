"""S8 — a rewrite that keeps the detail met, and a change that breaks it."""

from tapcheck.requirements.common import CLUSTER, props


def passing_example(template: dict) -> None:
    template["Metadata"] = {"Owner": "payments-platform"}


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["IAMDatabaseAuthenticationEnabled"] = True    # not a DBCluster property (E3002)
