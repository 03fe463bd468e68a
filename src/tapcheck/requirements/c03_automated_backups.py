"""C3 — automated backups kept for 7 days."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import CLUSTER, of_the_cluster, props
from tapcheck.requirements.r04_backups import retention_violations

SPEC = "Automated backups with 7-day retention (seed C3)"


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from retention_violations(cluster, "retention")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["BackupRetentionPeriod"] = 7.0


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("BackupRetentionPeriod")        # RDS default: 1 day


REQUIREMENT = Requirement("C3", "Automated backups, 7 days", SPEC, check, passing_example, failing_example)
