"""S1 — maintenance window mon:04:00–mon:05:00 UTC, clear of the backup window."""

from __future__ import annotations

import re

from tapcheck.model import Model, Resource, as_str, show
from tapcheck.requirements.common import INSTANCE, of_the_cluster
from tapcheck.requirements.unit import check, values, violation

WINDOW = values(__file__)["maintenance_window"]
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEK = 7 * 1440


def weekly_minutes(window: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\w{3}):(\d\d):(\d\d)-(\w{3}):(\d\d):(\d\d)", window.strip().lower())
    if not match or match.group(1) not in DAYS or match.group(4) not in DAYS:
        return None
    start = DAYS.index(match.group(1)) * 1440 + int(match.group(2)) * 60 + int(match.group(3))
    end = DAYS.index(match.group(4)) * 1440 + int(match.group(5)) * 60 + int(match.group(6))
    return start, end if end > start else end + WEEK


def daily_minutes(window: str) -> tuple[int, int] | None:
    match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", window.strip())
    if not match:
        return None
    start, end = int(match.group(1)) * 60 + int(match.group(2)), int(match.group(3)) * 60 + int(match.group(4))
    return start, end if end > start else end + 1440


def overlaps(weekly: tuple[int, int], daily: tuple[int, int]) -> bool:
    for day in range(-1, 8):
        start, end = daily[0] + day * 1440, daily[1] + day * 1440
        for shift in (0, WEEK):
            if start < weekly[1] + shift and weekly[0] + shift < end:
                return True
    return False


@check("maintenance-window")
@of_the_cluster
def maintenance_window(model: Model, cluster: Resource):
    """PreferredMaintenanceWindow is mon:04:00-mon:05:00 (any case)."""
    window = as_str(cluster.get("PreferredMaintenanceWindow"))
    if window is None or weekly_minutes(window) != weekly_minutes(WINDOW):
        yield violation(
            cluster,
            ("PreferredMaintenanceWindow",),
            f"PreferredMaintenanceWindow is {show(cluster.get('PreferredMaintenanceWindow'))}, not {WINDOW}",
            f"Set PreferredMaintenanceWindow to {WINDOW}",
        )


@check("windows-clear")
@of_the_cluster
def windows_clear(model: Model, cluster: Resource):
    """No maintenance window (the cluster's or an instance's) overlaps the backup window (RDS refuses overlaps)."""
    # "Must not overlap with the preferred backup window":
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html (PreferredMaintenanceWindow)
    # Windows that only touch (backup 03:00-04:00, maintenance mon:04:00-mon:05:00, the spec's own
    # values) are taken as clear: docs silent on whether touching counts as overlapping.
    backup = daily_minutes(as_str(cluster.get("PreferredBackupWindow")) or "")
    windows = [(cluster, as_str(cluster.get("PreferredMaintenanceWindow")))]
    windows += [(i, as_str(i.get("PreferredMaintenanceWindow"))) for i in model.of_type(INSTANCE)]
    for resource, text in windows:
        weekly = weekly_minutes(text) if text else None
        if weekly and backup and overlaps(weekly, backup):
            yield violation(
                resource,
                ("PreferredMaintenanceWindow",),
                f"Maintenance window {text} overlaps the backup window",
                "Move it clear of the backup window",
            )
