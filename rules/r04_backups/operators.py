"""R4 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_props, set_or_remove
from tapcheck.mutation.value_strategies import retention_days
from tapcheck.requirements.unit import operator


@operator("backup-retention", [6, 8, 1, 35, "6", 7.5, None], strategy=retention_days)
def backup_retention_changed(t, days):
    """6 or 8 days (near misses), a string, a fraction, or absent (RDS default: 1 day)."""
    set_or_remove(cluster_props(t), "BackupRetentionPeriod", days)


@operator("backup-window", ["04:00-05:00", "03:00-05:00", "02:00-03:00", "03:30-04:00", "15:00-16:00", None])
def backup_window_changed(t, window):
    set_or_remove(cluster_props(t), "PreferredBackupWindow", window)
