"""What several requirement folders' probes look up on the live stack: shared here, so that no
folder imports another."""

from __future__ import annotations

from tapcheck.live.context import Context
from tapcheck.requirements.registry import values_of

R8 = values_of("R8")  # the metric, namespace and dimension the spec's CPU alarm watches


def cpu_alarms(ctx: Context) -> list[dict]:
    names = ctx.physical("AWS::CloudWatch::Alarm")
    alarms = ctx.target.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"] if names else []
    cid = ctx.cluster["DBClusterIdentifier"]
    return [
        a
        for a in alarms
        if a.get("MetricName") == R8["metric"]
        and a.get("Namespace") == R8["namespace"]
        and [(d["Name"], d["Value"]) for d in a.get("Dimensions") or []] == [(R8["dimension"], cid)]
    ]
