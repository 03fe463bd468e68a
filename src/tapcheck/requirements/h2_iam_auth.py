"""H2 — IAM database authentication enabled."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import CLUSTER, flag_violations, of_the_cluster, props

SPEC = "Hardening (AWS Control Tower CT.RDS.PR.4): IAM database authentication"


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from flag_violations(cluster, "EnableIAMDatabaseAuthentication", True, False,
                               "IAM database authentication is off", "Set EnableIAMDatabaseAuthentication to true",
                               "iam-auth")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["EnableIAMDatabaseAuthentication"] = "true"


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("EnableIAMDatabaseAuthentication")


REQUIREMENT = Requirement("H2", "IAM database authentication", SPEC, check, passing_example, failing_example)
