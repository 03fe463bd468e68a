"""moto's RDS backend, patched by install() where it differs from RDS at create and delete:

- a cluster created without DBClusterParameterGroupName gets its engine's default group
  (default.aurora-postgresql15), which exists, describes and applies AWS's default values;
  moto would name the MySQL default.aurora8.0 for every engine;
- default parameter groups cannot be modified, as on AWS;
- a deleted cluster's automated backups go with it, so a new cluster of the same name can be
  created at once (moto kept them, and their identifiers collided within the same minute);
- each cluster member's DBClusterParameterGroupStatus is what its PostgreSQL server says:
  "pending-reboot" while a changed static setting waits for a restart, "in-sync" otherwise, and
  RebootDBInstance restarts that instance's server, which applies them;
- ModifyDBCluster applies EnableIAMDatabaseAuthentication and CloudwatchLogsExportConfiguration
  (moto ignored both);
- DeleteDBInstance of a cluster member stops the server it was served by (the writer's fails
  over to the standby when another instance remains), whether the stack or an API call deletes it.
"""

from __future__ import annotations

from typing import Any

from moto.rds import exceptions as rds_errors
from moto.rds.models import DBCluster, RDSBackend

from tapcheck.emulator import rds_offerings
from tapcheck.emulator.models.base import _pg
from tapcheck.emulator.models.rds import ensure_default_cluster_parameter_group, release_server

# DBClusterMember.DBClusterParameterGroupStatus takes the values of DBParameterGroupStatus's
# ParameterApplyStatus: "pending-reboot: The parameter group change will be applied after the DB
# instance reboots", "in-sync" otherwise
# (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBParameterGroupStatus.html; the
# member's own page, https://docs.aws.amazon.com/id_id/AmazonRDS/latest/APIReference/API_DBClusterMember.html,
# lists no values).
PENDING_REBOOT = "pending-reboot"


def _role(instance: Any) -> str:
    """The emulator's server an instance is served by: the writer's, or the reader's."""
    return "writer" if getattr(instance, "is_cluster_writer", False) else "reader"


def _ensure_if_default(rds: RDSBackend, name: str | None) -> None:
    family = rds_offerings.default_group_family(name or "")
    if family:
        ensure_default_cluster_parameter_group(rds, family)


def install() -> None:
    if getattr(RDSBackend, "_tapcheck_rds_installed", False):
        return
    RDSBackend._tapcheck_rds_installed = True  # type: ignore[attr-defined]

    orig_create = RDSBackend.create_db_cluster
    orig_delete = RDSBackend.delete_db_cluster
    orig_modify_cluster = RDSBackend.modify_db_cluster
    orig_modify_group = RDSBackend.modify_db_cluster_parameter_group
    orig_describe_groups = RDSBackend.describe_db_cluster_parameter_groups
    orig_describe_params = RDSBackend.describe_db_cluster_parameters
    orig_reboot = RDSBackend.reboot_db_instance
    orig_delete_instance = RDSBackend.delete_db_instance
    orig_members = DBCluster.db_cluster_members

    def create_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> Any:
        engine, version = kwargs.get("engine"), kwargs.get("engine_version")
        if not kwargs.get("db_cluster_parameter_group_name") and engine == rds_offerings.AURORA_POSTGRESQL:
            version = version or rds_offerings.default_engine_version(engine)
            kwargs = {**kwargs, "engine_version": version, "db_cluster_parameter_group_name":
                      ensure_default_cluster_parameter_group(self, rds_offerings.parameter_group_family(engine, version))}
        return orig_create(self, kwargs)

    def delete_db_cluster(self: RDSBackend, cluster_identifier: str, snapshot_name: str | None = None) -> Any:
        cluster = orig_delete(self, cluster_identifier, snapshot_name)
        # DeleteDBCluster removes the automated backups unless asked to keep them
        # (DeleteAutomatedBackups: "The default is to remove automated backups immediately
        # after the DB cluster is deleted",
        # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html).
        for snap_id, snap in list(self.cluster_snapshots.items()):
            if snap.snapshot_type == "automated" and snap.cluster.db_cluster_identifier == cluster_identifier:
                self.cluster_snapshots.pop(snap_id, None)
        return cluster

    def modify_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> Any:
        _ensure_if_default(self, kwargs.get("db_cluster_parameter_group_name"))
        kwargs = dict(kwargs)
        # moto reads neither of these two ModifyDBCluster parameters under the name the API
        # sends (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html):
        # EnableIAMDatabaseAuthentication and CloudwatchLogsExportConfiguration
        # ({EnableLogTypes, DisableLogTypes}) would be silently ignored.
        if kwargs.get("enable_iam_database_authentication") is not None:
            kwargs["iam_auth"] = bool(kwargs.pop("enable_iam_database_authentication"))
        exports = kwargs.pop("cloudwatch_logs_export_configuration", None)
        if exports:
            kwargs["enable_cloudwatch_logs_exports"] = {
                "EnableLogTypes": list(exports.get("EnableLogTypes") or []),
                "DisableLogTypes": list(exports.get("DisableLogTypes") or []),
            }
        cluster = self.clusters.get(kwargs.get("db_cluster_identifier"))
        if cluster is not None and "enable_cloudwatch_logs_exports" in kwargs:
            wanted = kwargs["enable_cloudwatch_logs_exports"]
            current = cluster.enabled_cloudwatch_logs_exports
            # disabling a type that is not exported, or enabling one twice, changes nothing
            wanted["DisableLogTypes"] = [t for t in wanted["DisableLogTypes"] if t in current]
            wanted["EnableLogTypes"] = [t for t in wanted["EnableLogTypes"] if t not in current]
        return orig_modify_cluster(self, kwargs)

    def modify_db_cluster_parameter_group(self: RDSBackend, name: str, params: Any) -> Any:
        # Default parameter groups "contain preferred parameter settings and can't be modified"
        # (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_WorkingWithParamGroups.ListingCluster.html,
        # .../USER_WorkingWithParamGroups.ModifyingCluster.html); the error text is the one
        # commonly reported (undocumented).
        if rds_offerings.default_group_family(name):
            raise rds_errors.InvalidParameterValue("Cannot modify a default parameter group.")
        return orig_modify_group(self, name, params)

    def describe_db_cluster_parameter_groups(self: RDSBackend, group_name: str) -> Any:
        _ensure_if_default(self, group_name)
        return orig_describe_groups(self, group_name)

    def describe_db_cluster_parameters(self: RDSBackend, db_cluster_parameter_group_name: str) -> Any:
        _ensure_if_default(self, db_cluster_parameter_group_name)
        return orig_describe_params(self, db_cluster_parameter_group_name)

    def reboot_db_instance(self: RDSBackend, db_instance_identifier: str) -> Any:
        instance = orig_reboot(self, db_instance_identifier)
        cluster_id = getattr(instance, "db_cluster_identifier", None)
        pgc = _pg(self.account_id, self.region_name, cluster_id) if cluster_id else None
        role = _role(instance)
        if pgc is not None and (pgc.writer_running if role == "writer" else pgc.reader_running):
            pgc.restart(role)
        return instance

    def delete_db_instance(self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any) -> Any:
        instance = self.databases.get(db_instance_identifier)
        if instance is not None and not instance.deletion_protection:
            release_server(self, instance)
        return orig_delete_instance(self, db_instance_identifier, *args, **kwargs)

    def db_cluster_members(self: DBCluster) -> list[dict[str, Any]]:
        pgc = _pg(self.account_id, self.region, self.db_cluster_identifier)
        members = orig_members.fget(self)  # type: ignore[union-attr]
        by_id = {m.db_instance_identifier: m for m in self.members}
        for member in members:
            instance = by_id.get(member["DBInstanceIdentifier"])
            if pgc is not None and instance is not None and pgc.pending_restart.get(_role(instance)):
                member["DBClusterParameterGroupStatus"] = PENDING_REBOOT
        return members

    RDSBackend.reboot_db_instance = reboot_db_instance  # type: ignore[method-assign]
    RDSBackend.delete_db_instance = delete_db_instance  # type: ignore[method-assign]
    DBCluster.db_cluster_members = property(db_cluster_members)  # type: ignore[assignment,method-assign]
    RDSBackend.create_db_cluster = create_db_cluster  # type: ignore[method-assign]
    RDSBackend.delete_db_cluster = delete_db_cluster  # type: ignore[method-assign]
    RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]
    RDSBackend.modify_db_cluster_parameter_group = modify_db_cluster_parameter_group  # type: ignore[method-assign]
    RDSBackend.describe_db_cluster_parameter_groups = describe_db_cluster_parameter_groups  # type: ignore[method-assign]
    RDSBackend.describe_db_cluster_parameters = describe_db_cluster_parameters  # type: ignore[method-assign]
