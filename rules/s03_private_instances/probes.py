"""S3 — probes: the instances are private members of the cluster."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe


@probe("instances-private", "instances-in-cluster", title="every instance is private and a member of the cluster")
def instances_private(ctx: Context) -> str:
    cid = ctx.cluster["DBClusterIdentifier"]
    expect(bool(ctx.instances), "the stack has no DB instances")
    for i in ctx.instances:
        expect(i.get("PubliclyAccessible") is False, f"{i['DBInstanceIdentifier']} is publicly accessible")
        expect(i.get("DBClusterIdentifier") == cid, f"{i['DBInstanceIdentifier']} is not in cluster {cid}")
    return f"{len(ctx.instances)} private instances in {cid}"
