"""S2 — probes: the log types RDS exports to CloudWatch Logs."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

LOG_TYPE = values(__file__)["log_type"]


@probe("postgresql-log-export", title="the postgresql log is exported to CloudWatch Logs")
def log_exports(ctx: Context) -> str:
    exports = ctx.cluster.get("EnabledCloudwatchLogsExports") or []
    expect(LOG_TYPE in exports, f"DescribeDBClusters says EnabledCloudwatchLogsExports {exports}")
    return f"exports {exports}"
