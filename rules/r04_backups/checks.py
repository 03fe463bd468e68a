"""R4 — automated backups kept 7 days, taken in the 03:00–04:00 UTC window."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_int, as_str, show
from tapcheck.requirements.common import of_the_cluster
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)
# RDS keeps automated backups 1 day when BackupRetentionPeriod is absent:
# https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html ("Default: 1")
RDS_DEFAULT_RETENTION_DAYS = 1


@check("backup-retention")
@of_the_cluster
def backup_retention(model: Model, cluster: Resource):
    """Automated backups are kept exactly 7 days."""
    value = cluster.get("BackupRetentionPeriod", RDS_DEFAULT_RETENTION_DAYS)
    days = V["retention_days"]
    if as_int(value) != days:
        shown = (
            f"absent (RDS keeps {RDS_DEFAULT_RETENTION_DAYS} day)"
            if "BackupRetentionPeriod" not in cluster.properties
            else f"{show(value)} day(s)"
        )
        yield violation(
            cluster,
            ("BackupRetentionPeriod",),
            f"BackupRetentionPeriod is {shown}, not {days}",
            f"Set BackupRetentionPeriod to {days}",
        )


@check("backup-window")
@of_the_cluster
def backup_window(model: Model, cluster: Resource):
    """Backups are taken in the 03:00–04:00 UTC window."""
    window = as_str(cluster.get("PreferredBackupWindow"))
    wanted = V["backup_window"]
    if window is None or window.strip() != wanted:
        yield violation(
            cluster,
            ("PreferredBackupWindow",),
            f"PreferredBackupWindow is {show(cluster.get('PreferredBackupWindow'))}, not {wanted} (UTC)",
            f"Set PreferredBackupWindow to {wanted}",
        )
