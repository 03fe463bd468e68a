"""H8 — mutation operators: Performance Insights switched on under the 0.5-1 ACU the spec fixes."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_instances, properties
from tapcheck.requirements.unit import operator


@operator(
    "performance-insights-capacity",
    lambda t: [(i, v) for i in range(len(cluster_instances(t))) for v in (True, "true")],
)
def performance_insights_on(t, choice):
    index, value = choice
    properties(cluster_instances(t)[index][1]).update(
        EnablePerformanceInsights=value, PerformanceInsightsRetentionPeriod=7
    )
