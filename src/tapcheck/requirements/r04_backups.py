"""R4 — 7-day backup retention, preferred backup window 03:00–04:00 UTC."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_int, as_str
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, of_the_cluster, props

SPEC = "7-day backup retention, 03:00-04:00 UTC window (seed R4)"
RETENTION_DAYS = 7
BACKUP_WINDOW = "03:00-04:00"


def retention_violations(cluster: Resource, rule: str):
    value = cluster.get("BackupRetentionPeriod", 1)    # RDS default: 1 day
    if as_int(value) != RETENTION_DAYS:
        yield violation(cluster, ("BackupRetentionPeriod",),
                        f"BackupRetentionPeriod is {value!r} day(s), not {RETENTION_DAYS}",
                        f"Set BackupRetentionPeriod to {RETENTION_DAYS}", rule)


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from retention_violations(cluster, "retention")
    window = as_str(cluster.get("PreferredBackupWindow"))
    if window is None or window.strip() != BACKUP_WINDOW:
        yield violation(cluster, ("PreferredBackupWindow",),
                        f"PreferredBackupWindow is {cluster.get('PreferredBackupWindow')!r}, not {BACKUP_WINDOW} (UTC)",
                        f"Set PreferredBackupWindow to {BACKUP_WINDOW}", "backup-window")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["BackupRetentionPeriod"] = "7"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["BackupRetentionPeriod"] = 6


REQUIREMENT = Requirement("R4", "7-day backups, window 03:00–04:00 UTC", SPEC, check, passing_example, failing_example)
