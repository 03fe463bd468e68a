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
    """Neither the cluster nor a db.serverless instance enables Performance Insights under a minimum capacity below 2 ACUs."""  # noqa: E501 - a check's description is one line (registry)
    # "we recommend ... a minimum capacity of at least 2 ACUs" with Performance Insights:
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    minimum = as_number(scaling.get("MinCapacity")) if isinstance(scaling, dict) else None
    # Performance Insights may be turned on for the whole cluster ("Specifies whether to turn on Performance
    # Insights for the DB cluster ... Valid for Cluster Type: Aurora DB clusters and Multi-AZ DB clusters"):
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html
    if as_bool(cluster.get("PerformanceInsightsEnabled")) is True and (minimum is None or minimum < MINIMUM):
        yield violation(
            cluster,
            ("PerformanceInsightsEnabled",),
            f"Performance Insights is on for the cluster while its MinCapacity is {show(minimum)} ACU; AWS "
            f"recommends at least {MINIMUM:g} ACUs with it, and R2 fixes the range at 0.5-1 ACU",
            "Turn PerformanceInsightsEnabled off (or raise MinCapacity, which R2 forbids)",
        )
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
