"""S2 — PostgreSQL logs exported to CloudWatch Logs."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, props, of_the_cluster

SPEC = "Export PostgreSQL logs to CloudWatch Logs (EnableCloudwatchLogsExports: postgresql)"


@of_the_cluster
def check(model: Model, cluster: Resource):
    exports = cluster.get("EnableCloudwatchLogsExports") or []
    if not isinstance(exports, list) or "postgresql" not in exports:
        yield violation(cluster, ("EnableCloudwatchLogsExports",), "PostgreSQL logs are not exported to CloudWatch Logs",
                        "Set EnableCloudwatchLogsExports to [postgresql]", "postgresql")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["EnableCloudwatchLogsExports"] = {"Fn::Split": [",", "postgresql"]}


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("EnableCloudwatchLogsExports")


REQUIREMENT = Requirement("S2", "PostgreSQL logs exported", SPEC, check, passing_example, failing_example)
