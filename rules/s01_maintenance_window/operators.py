"""S1 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, cluster_props, properties, set_or_remove
from tapcheck.requirements.unit import operator


@operator(
    "maintenance-window",
    [
        "tue:04:00-tue:05:00",
        "mon:05:00-mon:06:00",
        "mon:03:30-mon:04:30",
        "sun:04:00-sun:05:00",
        "mon:04:00-mon:04:30",
        None,
    ],
)
def maintenance_window_changed(t, window):
    set_or_remove(cluster_props(t), "PreferredMaintenanceWindow", window)


@operator("windows-clear", ["mon:03:00-mon:04:00", "tue:03:30-tue:04:30"])
def instance_maintenance_overlaps_backup(t, window):
    properties(cluster_instances(t)[0][1])["PreferredMaintenanceWindow"] = window
