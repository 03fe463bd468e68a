"""C3 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_props, set_or_remove
from tapcheck.mutation.value_strategies import retention_days
from tapcheck.requirements.unit import operator


@operator("backup-retention", [6, 0, 1, 14, "8", None], strategy=retention_days)
def automated_backup_retention_changed(t, days):
    set_or_remove(cluster_props(t), "BackupRetentionPeriod", days)
