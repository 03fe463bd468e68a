"""S1 — probes: the maintenance window RDS reports."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

WINDOW = values(__file__)["maintenance_window"]


@probe(
    "maintenance-window", "windows-clear", title="maintenance window mon:04:00-mon:05:00, clear of the backup window"
)
def maintenance(ctx: Context) -> str:
    window = str(ctx.cluster.get("PreferredMaintenanceWindow", "")).lower()
    expect(window == WINDOW.lower(), f"DescribeDBClusters says PreferredMaintenanceWindow {window}")
    return window
