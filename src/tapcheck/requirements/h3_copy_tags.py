"""H3 — snapshots inherit the cluster's tags."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import CLUSTER, flag_violations, of_the_cluster, props

SPEC = "Hardening (AWS Control Tower CT.RDS.PR.9): copy tags to snapshots"


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from flag_violations(cluster, "CopyTagsToSnapshot", True, False, "Snapshots do not inherit the cluster's tags",
                               "Set CopyTagsToSnapshot to true", "copy-tags")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["CopyTagsToSnapshot"] = "True"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["CopyTagsToSnapshot"] = False


REQUIREMENT = Requirement("H3", "Copy tags to snapshots", SPEC, check, passing_example, failing_example)
