"""RDS FailoverDBCluster backed by the emulator's PostgreSQL (see emulator/failover.py).

moto's own failover_db_cluster validates the request and flips DBClusterMembers[].
IsClusterWriter; this wrapper then moves the data plane to match, and puts moto's roles
back when the data plane could not follow, so describe_db_clusters never names a writer
that does not take writes.

AWS: "For an Aurora DB cluster, failover for a DB cluster promotes one of the Aurora
Replicas (read-only instances) in the DB cluster to be the primary DB instance (the
cluster writer)" and "To simulate a failure of a primary instance for testing, you can
force a failover" - https://docs.aws.amazon.com/goto/WebAPI/rds/FailoverDBCluster
AWS returns at once and fails over in the background (the cluster shows Failing-over,
https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-failover.html); the
emulator answers when the failover is done, so a caller that polls describe_db_clusters
for the new writer, as it must on AWS, works on both.
"""

from __future__ import annotations

from typing import Any

from moto.rds.exceptions import InvalidDBClusterStateFault
from moto.rds.models import RDSBackend

from tapcheck.emulator.failover import fail_over
from tapcheck.emulator.models.base import _pg, log
from tapcheck.emulator.pgcluster import PgError


def _failover_db_cluster(original: Any) -> Any:
    def failover_db_cluster(self: RDSBackend, db_cluster_identifier: str,
                            target_db_instance_identifier: str | None = None) -> Any:
        # AWS: "This parameter is not case-sensitive" (DBClusterIdentifier, same page).
        if db_cluster_identifier not in self.clusters and db_cluster_identifier.lower() in self.clusters:
            db_cluster_identifier = db_cluster_identifier.lower()
        if target_db_instance_identifier and target_db_instance_identifier not in self.databases:
            target_db_instance_identifier = target_db_instance_identifier.lower()
        existing = self.clusters.get(db_cluster_identifier)
        old_writer = existing.writer if existing is not None else None
        cluster = original(self, db_cluster_identifier, target_db_instance_identifier)
        new_writer = cluster.writer
        pgc = _pg(self.account_id, self.region_name, cluster.db_cluster_identifier)
        if pgc is None or new_writer is old_writer or old_writer is None:
            return cluster
        try:
            report = fail_over(pgc)
        except PgError as e:
            new_writer.is_cluster_writer = False
            old_writer.is_cluster_writer = True
            raise InvalidDBClusterStateFault(
                f"Failover of DB cluster {cluster.db_cluster_identifier} failed: {e}") from None
        log.warning("cluster %s: %s; writer is now %s", cluster.db_cluster_identifier, report.summary(),
                    new_writer.db_instance_identifier)
        return cluster

    failover_db_cluster._tapcheck = True  # type: ignore[attr-defined]
    return failover_db_cluster


def install() -> None:
    """Wrap moto's RDSBackend.failover_db_cluster (idempotent)."""
    if getattr(RDSBackend.failover_db_cluster, "_tapcheck", False):
        return
    RDSBackend.failover_db_cluster = _failover_db_cluster(RDSBackend.failover_db_cluster)  # type: ignore[method-assign]
