"""R2 — probes: the scaling configuration RDS reports."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe("capacity", title="Serverless v2 scaling 0.5-1 ACU")
def scaling(ctx: Context) -> str:
    s = ctx.cluster.get("ServerlessV2ScalingConfiguration") or {}
    expect(bool(s), "DescribeDBClusters shows no ServerlessV2ScalingConfiguration")
    expect(
        float(s["MinCapacity"]) == V["min_capacity"] and float(s["MaxCapacity"]) == V["max_capacity"],
        f"scaling is {s['MinCapacity']}-{s['MaxCapacity']} ACU",
    )
    return f"{s['MinCapacity']}-{s['MaxCapacity']} ACU"
