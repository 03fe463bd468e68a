"""R4 — probes: retention and backup window as RDS reports them."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe("backup-retention", title="automated backups kept 7 days")
def backup_retention(ctx: Context) -> str:
    days = ctx.cluster.get("BackupRetentionPeriod")
    expect(days == V["retention_days"], f"DescribeDBClusters says BackupRetentionPeriod {days}")
    return f"{days} days"


@probe("backup-window", title="backup window 03:00-04:00 UTC")
def backup_window(ctx: Context) -> str:
    window = ctx.cluster.get("PreferredBackupWindow")
    expect(window == V["backup_window"], f"DescribeDBClusters says PreferredBackupWindow {window}")
    return str(window)
