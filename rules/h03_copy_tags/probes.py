"""H3 — probes: snapshots copy the cluster's tags."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe


@probe("copy-tags", title="tags copied to snapshots")
def copy_tags(ctx: Context) -> str:
    expect(ctx.cluster.get("CopyTagsToSnapshot") is True, "CopyTagsToSnapshot is off")
    return "CopyTagsToSnapshot true"
