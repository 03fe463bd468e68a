"""H3 — snapshots inherit the cluster's tags."""

from __future__ import annotations

from tapcheck.model import Model, as_bool
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, props, the_cluster

SPEC = "Hardening (AWS Control Tower CT.RDS.PR.9): copy tags to snapshots"


def check(model: Model):
    cluster, problems = the_cluster(model)
    yield from problems
    if cluster is not None and as_bool(cluster.get("CopyTagsToSnapshot")) is not True:
        yield violation(cluster, ("CopyTagsToSnapshot",), "Snapshots do not inherit the cluster's tags",
                        "Set CopyTagsToSnapshot to true", "copy-tags")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["CopyTagsToSnapshot"] = "True"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["CopyTagsToSnapshot"] = False


REQUIREMENT = Requirement("H3", "Copy tags to snapshots", SPEC, check, passing_example, failing_example)
