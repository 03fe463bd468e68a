"""S2 — PostgreSQL logs exported to CloudWatch Logs."""

from __future__ import annotations

from tapcheck.model import Model, Resource, show
from tapcheck.requirements.common import of_the_cluster
from tapcheck.requirements.unit import check, values, violation

LOG_TYPE = values(__file__)["log_type"]


@check("postgresql-log-export")
@of_the_cluster
def postgresql_log_export(model: Model, cluster: Resource):
    """EnableCloudwatchLogsExports includes postgresql."""
    exports = cluster.get("EnableCloudwatchLogsExports") or []
    if not isinstance(exports, list) or LOG_TYPE not in exports:
        yield violation(
            cluster,
            ("EnableCloudwatchLogsExports",),
            f"PostgreSQL logs are not exported to CloudWatch Logs (EnableCloudwatchLogsExports is {show(exports)})",
            f"Set EnableCloudwatchLogsExports to [{LOG_TYPE}]",
        )
