"""C2 — probes: no instance has deletion protection on."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe


@probe("instance-deletion-protection-off", title="no DB instance has deletion protection on")
def instance_deletion_protection(ctx: Context) -> str:
    expect(bool(ctx.instances), "the stack has no DB instances")
    on = [i["DBInstanceIdentifier"] for i in ctx.instances if i.get("DeletionProtection")]
    expect(not on, f"deletion protection is on for {on}")
    return f"{len(ctx.instances)} instance(s), deletion protection off"
