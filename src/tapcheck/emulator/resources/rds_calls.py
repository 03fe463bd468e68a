"""What RDS API calls do to the emulated clusters, where moto's RDS backend differs from RDS or
lacks the call. moto_patches/rds.py hooks each function here into moto; this module only knows
what RDS does.

At create, modify and delete:
- a cluster created without DBClusterParameterGroupName gets its engine's default group
  (default.aurora-postgresql15), which exists, describes and applies AWS's default values;
  moto would name the MySQL default.aurora8.0 for every engine;
- default parameter groups cannot be modified, as on AWS;
- a deleted cluster's automated backups go with it, so a new cluster of the same name can be
  created at once (moto kept them, and their identifiers collided within the same minute);
- ModifyDBCluster applies EnableIAMDatabaseAuthentication and CloudwatchLogsExportConfiguration
  (moto ignored both), and a cluster's parameter group changes reach its running servers;
- DeleteDBInstance of a cluster member stops the server it was served by (the writer's fails
  over to the standby when another instance remains), whether the stack or an API call deletes it.

Against the running servers:
- each cluster member's DBClusterParameterGroupStatus is what its PostgreSQL server says:
  "pending-reboot" while a changed static setting waits for a restart, "in-sync" otherwise, and
  RebootDBInstance restarts that instance's server, which applies them;
- the cluster's Endpoint and ReaderEndpoint are its servers' addresses;
- FailoverDBCluster moves the data plane after moto flips the writer (emulator/failover.py).

Calls an operator makes on a deployed stack (the drift table's, tapcheck.live.drift.table;
docs/drift.md lists them all) where moto lacks them or gets them wrong:
- ModifyDBSubnetGroup: moto took the group out of its backend and never put it back, so the group
  vanished after the call. Here it stays under its name with the new subnets and description; a
  set of subnets covering fewer than two AZs is refused with DBSubnetGroupDoesNotCoverEnoughAZs
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSubnetGroup.html, Errors).
- ResetDBClusterParameterGroup: moto has no such call (the server answered 500). Here it sets the
  parameters named, or every parameter of the group with ResetAllParameters, back to the engine's
  default ("Modifies the parameters of a DB cluster parameter group to the default value",
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ResetDBClusterParameterGroup.html),
  the values of the family's default group (rds_offerings.default_cluster_parameters), through
  ModifyDBClusterParameterGroup so the running servers follow. A parameter with no default the
  emulator knows is refused, visibly, rather than half reset.

Log export: once an instance of a cluster that exports the postgresql log is up, RDS writes to
/aws/rds/cluster/<cluster>/postgresql and creates that log group itself if it does not exist —
outside any stack, with no retention ("Never expire")
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html).
So a stack that owns a log group of that name must create it before the cluster's instances
(the cluster DependsOn it); otherwise RDS's group exists first and the stack's own fails with
"already exists", and without one RDS's group outlives the stack.
"""

from __future__ import annotations

from typing import Any

from moto.logs.models import logs_backends
from moto.rds import exceptions as rds_errors
from moto.rds.exceptions import InvalidDBClusterStateFault
from moto.rds.models import DBCluster, DBInstance, RDSBackend

from tapcheck.emulator import rds_offerings
from tapcheck.emulator.failover import fail_over
from tapcheck.emulator.pgcluster import PgError
from tapcheck.emulator.resources import clusters
from tapcheck.emulator.resources.clusters import log
from tapcheck.emulator.resources.rds import (
    apply_type,
    ensure_default_cluster_parameter_group,
    group_parameters,
    identifier_refusal,
    release_server,
    subnet_group_name_refusal,
)

# DBClusterMember.DBClusterParameterGroupStatus takes the values of DBParameterGroupStatus's
# ParameterApplyStatus: "pending-reboot: The parameter group change will be applied after the DB
# instance reboots", "in-sync" otherwise
# (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBParameterGroupStatus.html; the
# member's own page, https://docs.aws.amazon.com/id_id/AmazonRDS/latest/APIReference/API_DBClusterMember.html,
# lists no values).
PENDING_REBOOT = "pending-reboot"
LOG_TYPE = "postgresql"
LOG_GROUP = "/aws/rds/cluster/{cluster}/postgresql"


def _role(instance: Any) -> str:
    """The emulator's server an instance is served by: the writer's, or the reader's."""
    return "writer" if getattr(instance, "is_cluster_writer", False) else "reader"


def ensure_if_default(rds: RDSBackend, name: str | None) -> None:
    """A default parameter group exists on AWS without being created: made here on first use."""
    family = rds_offerings.default_group_family(name or "")
    if family:
        ensure_default_cluster_parameter_group(rds, family)


# --- clusters ---------------------------------------------------------------------------------
def create_cluster_arguments(rds: RDSBackend, kwargs: dict[str, Any]) -> dict[str, Any]:
    """CreateDBCluster's arguments with the engine's default version and parameter group filled in,
    once RDS's identifier rules hold (moto checks none of them: a 64-character or underscored
    identifier, a reserved master user name)."""
    refusal = identifier_refusal(
        str(kwargs.get("db_cluster_identifier") or ""),
        kwargs.get("master_username"),
        kwargs.get("master_user_password"),
        kwargs.get("database_name"),
    )
    if refusal:
        raise rds_errors.InvalidParameterValue(refusal)
    engine, version = kwargs.get("engine"), kwargs.get("engine_version")
    if kwargs.get("db_cluster_parameter_group_name") or engine != rds_offerings.AURORA_POSTGRESQL:
        return kwargs
    version = str(version or rds_offerings.default_engine_version(engine))
    family = rds_offerings.parameter_group_family(engine, version)
    return {
        **kwargs,
        "engine_version": version,
        "db_cluster_parameter_group_name": ensure_default_cluster_parameter_group(rds, family),
    }


def refuse_subnet_group_name(name: str) -> None:
    """CreateDBSubnetGroup refuses a name RDS does not allow (moto takes any)."""
    refusal = subnet_group_name_refusal(name)
    if refusal:
        raise rds_errors.InvalidParameterValue(refusal)


def drop_automated_backups(rds: RDSBackend, cluster_identifier: str) -> None:
    """DeleteDBCluster removes the automated backups unless asked to keep them (DeleteAutomatedBackups:
    "The default is to remove automated backups immediately after the DB cluster is deleted",
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html)."""
    for snap_id, snap in list(rds.cluster_snapshots.items()):
        if snap.snapshot_type == "automated" and snap.cluster.db_cluster_identifier == cluster_identifier:
            rds.cluster_snapshots.pop(snap_id, None)


def modify_cluster_arguments(rds: RDSBackend, kwargs: dict[str, Any]) -> dict[str, Any]:
    """ModifyDBCluster's arguments under the names moto reads.

    moto reads neither of these two ModifyDBCluster parameters under the name the API sends
    (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html):
    EnableIAMDatabaseAuthentication and CloudwatchLogsExportConfiguration
    ({EnableLogTypes, DisableLogTypes}) would be silently ignored."""
    ensure_if_default(rds, kwargs.get("db_cluster_parameter_group_name"))
    kwargs = dict(kwargs)
    if kwargs.get("enable_iam_database_authentication") is not None:
        kwargs["iam_auth"] = bool(kwargs.pop("enable_iam_database_authentication"))
    exports = kwargs.pop("cloudwatch_logs_export_configuration", None)
    if exports:
        kwargs["enable_cloudwatch_logs_exports"] = {
            "EnableLogTypes": list(exports.get("EnableLogTypes") or []),
            "DisableLogTypes": list(exports.get("DisableLogTypes") or []),
        }
    cluster = rds.clusters.get(str(kwargs.get("db_cluster_identifier")))
    if cluster is not None and "enable_cloudwatch_logs_exports" in kwargs:
        wanted = kwargs["enable_cloudwatch_logs_exports"]
        current = cluster.enabled_cloudwatch_logs_exports
        # disabling a type that is not exported, or enabling one twice, changes nothing
        wanted["DisableLogTypes"] = [t for t in wanted["DisableLogTypes"] if t in current]
        wanted["EnableLogTypes"] = [t for t in wanted["EnableLogTypes"] if t not in current]
    return kwargs


def apply_cluster_parameters(rds: RDSBackend, cluster: DBCluster) -> None:
    """The cluster's parameter group values, applied to its running servers."""
    pgc = clusters.lookup(rds.account_id, rds.region_name, cluster.db_cluster_identifier)
    if pgc is not None:
        pgc.apply_parameters(group_parameters(rds, cluster.parameter_group))


def refuse_default_group_change(name: str) -> None:
    """Default parameter groups "contain preferred parameter settings and can't be modified"
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.ListingCluster.html,
    .../USER_WorkingWithParamGroups.ModifyingCluster.html); the error text is the one commonly
    reported (undocumented)."""
    if rds_offerings.default_group_family(name):
        raise rds_errors.InvalidParameterValue("Cannot modify a default parameter group.")


def apply_group_to_clusters(rds: RDSBackend, group_name: str) -> None:
    """A changed cluster parameter group reaches every cluster using it."""
    for cluster in list(rds.clusters.values()):
        if cluster.parameter_group == group_name:
            apply_cluster_parameters(rds, cluster)


def cluster_endpoint(cluster: DBCluster) -> str | None:
    """The writer server's address, or None when no data plane serves the cluster."""
    pgc = clusters.lookup(cluster.account_id, cluster.region, cluster.db_cluster_identifier)
    return pgc.writer_host if pgc else None


def reader_endpoint(cluster: DBCluster) -> str | None:
    pgc = clusters.lookup(cluster.account_id, cluster.region, cluster.db_cluster_identifier)
    return pgc.reader_host if pgc else None


def members_with_status(cluster: DBCluster, members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """DBClusterMembers, each with its server's DBClusterParameterGroupStatus."""
    pgc = clusters.lookup(cluster.account_id, cluster.region, cluster.db_cluster_identifier)
    by_id = {m.db_instance_identifier: m for m in cluster.members}
    for member in members:
        instance = by_id.get(member["DBInstanceIdentifier"])
        if pgc is not None and instance is not None and pgc.pending_restart.get(_role(instance)):
            member["DBClusterParameterGroupStatus"] = PENDING_REBOOT
    return members


# --- instances --------------------------------------------------------------------------------
def restart_server(rds: RDSBackend, instance: DBInstance) -> None:
    """RebootDBInstance restarts the instance's server, which applies pending static settings."""
    cluster_id = getattr(instance, "db_cluster_identifier", None)
    pgc = clusters.lookup(rds.account_id, rds.region_name, cluster_id) if cluster_id else None
    role = _role(instance)
    if pgc is not None and (pgc.writer_running if role == "writer" else pgc.reader_running):
        pgc.restart(role)


def release_before_delete(rds: RDSBackend, db_instance_identifier: str) -> None:
    instance = rds.databases.get(db_instance_identifier)
    if instance is not None and not instance.deletion_protection:
        release_server(rds, instance)


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
        logs.create_log_group(name, {})  # no retention: CloudWatch Logs keeps events for ever


# --- failover ---------------------------------------------------------------------------------
def failover_arguments(rds: RDSBackend, cluster_id: str, target: str | None) -> tuple[str, str | None]:
    """AWS: DBClusterIdentifier "is not case-sensitive" (FailoverDBCluster), nor are instance ids."""
    if cluster_id not in rds.clusters and cluster_id.lower() in rds.clusters:
        cluster_id = cluster_id.lower()
    if target and target not in rds.databases:
        target = target.lower()
    return cluster_id, target


def move_data_plane(rds: RDSBackend, cluster: DBCluster, old_writer: Any) -> None:
    """After moto flipped DBClusterMembers[].IsClusterWriter: promote the standby and rebuild the
    old writer (emulator/failover.py); when the data plane cannot follow, moto's roles are put
    back, so describe_db_clusters never names a writer that does not take writes.

    AWS: "For an Aurora DB cluster, failover for a DB cluster promotes one of the Aurora Replicas
    (read-only instances) in the DB cluster to be the primary DB instance (the cluster writer)"
    and "To simulate a failure of a primary instance for testing, you can force a failover"
    (https://docs.aws.amazon.com/goto/WebAPI/rds/FailoverDBCluster). AWS returns at once and fails
    over in the background (the cluster shows Failing-over,
    https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-failover.html); the
    emulator answers when the failover is done, so a caller that polls describe_db_clusters for
    the new writer, as it must on AWS, works on both."""
    new_writer = cluster.writer
    pgc = clusters.lookup(rds.account_id, rds.region_name, cluster.db_cluster_identifier)
    if pgc is None or new_writer is None or new_writer is old_writer or old_writer is None:
        return
    try:
        report = fail_over(pgc)
    except PgError as e:
        new_writer.is_cluster_writer = False
        old_writer.is_cluster_writer = True
        raise InvalidDBClusterStateFault(
            f"Failover of DB cluster {cluster.db_cluster_identifier} failed: {e}"
        ) from None
    log.warning(
        "cluster %s: %s; writer is now %s",
        cluster.db_cluster_identifier,
        report.summary(),
        new_writer.db_instance_identifier,
    )


# --- calls moto lacks or gets wrong -----------------------------------------------------------
def modify_db_subnet_group(self: RDSBackend, subnet_name: str, description: str | None, subnets: list[Any]) -> Any:
    """RDSBackend.modify_db_subnet_group, in place of moto's (which lost the group)."""
    group = self.subnet_groups.get(subnet_name)
    if group is None:
        raise rds_errors.DBSubnetGroupNotFoundError(subnet_name)
    azs = sorted({subnet.availability_zone for subnet in subnets})
    if len(azs) < 2:
        # the error code is the API reference's; its message text is undocumented
        raise rds_errors.RDSClientError(
            "DBSubnetGroupDoesNotCoverEnoughAZs",
            "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: "
            f"{', '.join(azs) or 'none'}. Add subnets to cover at least 2 AZs.",
        )
    group.subnets = subnets
    if description is not None:
        group.description = description
    return group


def reset_db_cluster_parameter_group(self: RDSBackend, name: str, reset_all: bool, names: list[str]) -> Any:
    """ResetDBClusterParameterGroup, which moto's backend lacks."""
    group = self.db_cluster_parameter_groups.get(name)
    if group is None:
        raise rds_errors.DBClusterParameterGroupNotFoundError(name)
    defaults = rds_offerings.default_cluster_parameters(group.db_parameter_group_family or "")
    wanted = list(group.parameters) if reset_all else names
    unknown = [p for p in wanted if p not in defaults]
    if unknown:
        raise rds_errors.InvalidParameterValue(
            f"the emulator knows no default value of {', '.join(sorted(unknown))} "
            f"for {group.db_parameter_group_family} (only of {', '.join(sorted(defaults))})"
        )
    self.modify_db_cluster_parameter_group(
        name,
        [
            {
                "ParameterName": p,
                "ParameterValue": defaults[p],
                "ApplyType": apply_type(p),
                "ApplyMethod": "pending-reboot" if apply_type(p) == "static" else "immediate",
            }
            for p in wanted
        ],
    )
    return group
