"""H2 — IAM database authentication enabled."""

from __future__ import annotations

from tapcheck.model import Model, as_bool
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, props, the_cluster

SPEC = "Hardening (AWS Control Tower CT.RDS.PR.4): IAM database authentication"


def check(model: Model):
    cluster, problems = the_cluster(model)
    yield from problems
    if cluster is not None and as_bool(cluster.get("EnableIAMDatabaseAuthentication")) is not True:
        yield violation(cluster, ("EnableIAMDatabaseAuthentication",), "IAM database authentication is off",
                        "Set EnableIAMDatabaseAuthentication to true", "iam-auth")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["EnableIAMDatabaseAuthentication"] = "true"


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("EnableIAMDatabaseAuthentication")


REQUIREMENT = Requirement("H2", "IAM database authentication", SPEC, check, passing_example, failing_example)
