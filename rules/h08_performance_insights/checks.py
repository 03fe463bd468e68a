"""H8 — Performance Insights only on Serverless v2 instances whose cluster's minimum capacity is at
least the 2 ACUs AWS recommends for it. R2 fixes 0.5–1 ACU, so this template keeps it off."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_bool, as_number, show
from tapcheck.requirements.common import instances_of, of_the_cluster
from tapcheck.requirements.unit import check, values, violation

MINIMUM = values(__file__)["min_capacity_with_performance_insights"]


@check("performance-insights-capacity")
@of_the_cluster
def performance_insights_capacity(model: Model, cluster: Resource):
    """No db.serverless instance enables Performance Insights under a minimum capacity below 2 ACUs."""
    # "we recommend ... a minimum capacity of at least 2 ACUs" with Performance Insights:
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    minimum = as_number(scaling.get("MinCapacity")) if isinstance(scaling, dict) else None
    for instance in instances_of(model, cluster):
        if instance.get("DBInstanceClass") != "db.serverless":
            continue
        if as_bool(instance.get("EnablePerformanceInsights")) is not True:
            continue
        if minimum is None or minimum < MINIMUM:
            yield violation(
                instance,
                ("EnablePerformanceInsights",),
                f"Performance Insights is on while the cluster's MinCapacity is {show(minimum)} ACU; AWS "
                f"recommends at least {MINIMUM:g} ACUs with it, and R2 fixes the range at 0.5-1 ACU",
                "Turn EnablePerformanceInsights off (or raise MinCapacity, which R2 forbids)",
            )
