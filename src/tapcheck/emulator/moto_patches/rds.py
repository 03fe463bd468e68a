"""Changes to moto's RDS: what its calls do to the emulated clusters (resources/rds_calls.py) and
the calls it lacks. Each function here only adapts moto's call to ours, one per moto method."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.rds.models import DBCluster, DBInstance, RDSBackend
from moto.rds.responses import RDSResponse

from tapcheck.emulator.moto_patches.recorder import Recorder
from tapcheck.emulator.resources import rds_calls

Method = Callable[..., Any]


def _create_db_cluster(moto: Method) -> Method:
    def create_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> DBCluster:
        return moto(self, rds_calls.create_cluster_arguments(self, kwargs))

    return create_db_cluster


def _create_subnet_group(moto: Method) -> Method:
    def create_subnet_group(self: RDSBackend, subnet_name: str, *args: Any, **kwargs: Any) -> Any:
        rds_calls.refuse_subnet_group_name(subnet_name)
        return moto(self, subnet_name, *args, **kwargs)

    return create_subnet_group


def _delete_db_cluster(moto: Method) -> Method:
    def delete_db_cluster(self: RDSBackend, cluster_identifier: str, snapshot_name: str | None = None) -> DBCluster:
        cluster = moto(self, cluster_identifier, snapshot_name)
        rds_calls.drop_automated_backups(self, cluster_identifier)
        return cluster

    return delete_db_cluster


def _modify_db_cluster(moto: Method) -> Method:
    def modify_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> DBCluster:
        cluster = moto(self, rds_calls.modify_cluster_arguments(self, kwargs))
        rds_calls.apply_cluster_parameters(self, cluster)
        return cluster

    return modify_db_cluster


def _modify_db_cluster_parameter_group(moto: Method) -> Method:
    def modify_db_cluster_parameter_group(self: RDSBackend, name: str, params: Any) -> Any:
        rds_calls.refuse_default_group_change(name)
        group = moto(self, name, params)
        rds_calls.apply_group_to_clusters(self, name)
        return group

    return modify_db_cluster_parameter_group


def _describe_db_cluster_parameter_groups(moto: Method) -> Method:
    def describe_db_cluster_parameter_groups(self: RDSBackend, group_name: str) -> Any:
        rds_calls.ensure_if_default(self, group_name)
        return moto(self, group_name)

    return describe_db_cluster_parameter_groups


def _describe_db_cluster_parameters(moto: Method) -> Method:
    def describe_db_cluster_parameters(self: RDSBackend, db_cluster_parameter_group_name: str) -> Any:
        rds_calls.ensure_if_default(self, db_cluster_parameter_group_name)
        return moto(self, db_cluster_parameter_group_name)

    return describe_db_cluster_parameters


def _create_db_instance(moto: Method) -> Method:
    def create_db_instance(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        instance = moto(self, db_kwargs)
        rds_calls.export_logs(self, instance)
        return instance

    return create_db_instance


def _reboot_db_instance(moto: Method) -> Method:
    def reboot_db_instance(self: RDSBackend, db_instance_identifier: str) -> DBInstance:
        instance = moto(self, db_instance_identifier)
        rds_calls.restart_server(self, instance)
        return instance

    return reboot_db_instance


def _delete_db_instance(moto: Method) -> Method:
    def delete_db_instance(self: RDSBackend, db_instance_identifier: str, *args: Any, **kwargs: Any) -> DBInstance:
        rds_calls.release_before_delete(self, db_instance_identifier)
        return moto(self, db_instance_identifier, *args, **kwargs)

    return delete_db_instance


def _failover_db_cluster(moto: Method) -> Method:
    def failover_db_cluster(
        self: RDSBackend, db_cluster_identifier: str, target_db_instance_identifier: str | None = None
    ) -> DBCluster:
        cluster_id, target = rds_calls.failover_arguments(self, db_cluster_identifier, target_db_instance_identifier)
        existing = self.clusters.get(cluster_id)
        old_writer = existing.writer if existing is not None else None
        cluster = moto(self, cluster_id, target)
        rds_calls.move_data_plane(self, cluster, old_writer)
        return cluster

    return failover_db_cluster


def _endpoint(moto: property) -> property:
    return property(lambda cluster: rds_calls.cluster_endpoint(cluster) or moto.__get__(cluster))


def _reader_endpoint(moto: property) -> property:
    return property(lambda cluster: rds_calls.reader_endpoint(cluster) or moto.__get__(cluster))


def _db_cluster_members(moto: property) -> property:
    return property(lambda cluster: rds_calls.members_with_status(cluster, moto.__get__(cluster)))


def reset_db_cluster_parameter_group(self: RDSResponse) -> ActionResult:
    """ResetDBClusterParameterGroup's request, parsed as moto's responses parse theirs."""
    name = self.params.get("DBClusterParameterGroupName")
    reset_all = str(self.params.get("ResetAllParameters", "false")).lower() == "true"
    names = [p.original_dict()["ParameterName"] for p in self.params.get("Parameters", [])]
    group = rds_calls.reset_db_cluster_parameter_group(self.backend, name, reset_all, names)
    return ActionResult({"DBClusterParameterGroupName": group.name})


def declare(patches: Recorder) -> None:
    patches.wrap(RDSBackend, "create_db_cluster", _create_db_cluster, "identifiers RDS refuses; the default group")
    patches.wrap(RDSBackend, "create_subnet_group", _create_subnet_group, "names RDS refuses")
    patches.wrap(RDSBackend, "delete_db_cluster", _delete_db_cluster, "automated backups go with the cluster")
    patches.wrap(RDSBackend, "modify_db_cluster", _modify_db_cluster, "IAM auth, log exports; servers follow")
    patches.wrap(
        RDSBackend,
        "modify_db_cluster_parameter_group",
        _modify_db_cluster_parameter_group,
        "default groups refused; servers follow",
    )
    patches.wrap(
        RDSBackend,
        "describe_db_cluster_parameter_groups",
        _describe_db_cluster_parameter_groups,
        "default groups exist",
    )
    patches.wrap(RDSBackend, "describe_db_cluster_parameters", _describe_db_cluster_parameters, "default groups exist")
    patches.wrap(RDSBackend, "create_db_instance", _create_db_instance, "RDS creates the log export's group")
    patches.wrap(RDSBackend, "reboot_db_instance", _reboot_db_instance, "restarts the instance's server")
    patches.wrap(RDSBackend, "delete_db_instance", _delete_db_instance, "stops (or fails over) its server")
    patches.wrap(RDSBackend, "failover_db_cluster", _failover_db_cluster, "the data plane fails over")
    patches.replace(RDSBackend, "modify_db_subnet_group", rds_calls.modify_db_subnet_group, "moto lost the group")
    patches.add(
        RDSResponse,
        "reset_db_cluster_parameter_group",
        reset_db_cluster_parameter_group,
        "ResetDBClusterParameterGroup",
    )
    patches.wrap(DBCluster, "endpoint", _endpoint, "the writer server's address")
    patches.wrap(DBCluster, "reader_endpoint", _reader_endpoint, "the reader server's address")
    patches.wrap(DBCluster, "db_cluster_members", _db_cluster_members, "DBClusterParameterGroupStatus")
