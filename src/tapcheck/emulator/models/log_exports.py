"""Aurora PostgreSQL's log export, as RDS does it: once an instance of a cluster that exports the
postgresql log is up, RDS writes to /aws/rds/cluster/<cluster>/postgresql and creates that log
group itself if it does not exist — outside any stack, with no retention ("Never expire")
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html).

So a stack that owns a log group of that name must create it before the cluster's instances
(the cluster DependsOn it); otherwise RDS's group exists first and the stack's own fails with
"already exists", and without one RDS's group outlives the stack.
"""

from __future__ import annotations

from typing import Any

from moto.logs.models import logs_backends
from moto.rds.models import DBInstance, RDSBackend

LOG_TYPE = "postgresql"
LOG_GROUP = "/aws/rds/cluster/{cluster}/postgresql"


def log_group_name(cluster_id: str) -> str:
    return LOG_GROUP.format(cluster=cluster_id)


def export_logs(rds: RDSBackend, instance: DBInstance) -> None:
    """RDS starts exporting: the cluster's postgresql log group exists afterwards."""
    cluster = rds.clusters.get(getattr(instance, "db_cluster_identifier", None) or "")
    if cluster is None or LOG_TYPE not in (cluster.enabled_cloudwatch_logs_exports or []):
        return
    logs = logs_backends[rds.account_id][rds.region_name]
    name = log_group_name(cluster.db_cluster_identifier)
    if name not in logs.groups:
        logs.create_log_group(name, {})          # no retention: CloudWatch Logs keeps events for ever


def install() -> None:
    if getattr(RDSBackend, "_tapcheck_log_exports", False):
        return
    RDSBackend._tapcheck_log_exports = True  # type: ignore[attr-defined]
    original = RDSBackend.create_db_instance

    def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        instance = original(self, db_kwargs)
        export_logs(self, instance)
        return instance

    RDSBackend.create_db_instance = create_db_instance  # type: ignore[method-assign]
