"""H8 — probes: Performance Insights as RDS reports it, against the cluster's minimum capacity."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

MINIMUM = values(__file__)["min_capacity_with_performance_insights"]


@probe("performance-insights-capacity", title="no instance runs Performance Insights below 2 ACUs minimum")
def performance_insights(ctx: Context) -> str:
    scaling = ctx.cluster.get("ServerlessV2ScalingConfiguration") or {}
    minimum = float(scaling.get("MinCapacity", 0))
    on = [i["DBInstanceIdentifier"] for i in ctx.instances if i.get("PerformanceInsightsEnabled")]
    expect(not on or minimum >= MINIMUM, f"Performance Insights is on for {on} at MinCapacity {minimum:g} ACU")
    return (
        f"Performance Insights off on {len(ctx.instances)} instance(s) at MinCapacity {minimum:g} ACU"
        if not on
        else f"Performance Insights on at MinCapacity {minimum:g} ACU"
    )
