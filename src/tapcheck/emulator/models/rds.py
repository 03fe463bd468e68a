"""AWS::RDS::DBClusterParameterGroup, DBSubnetGroup, DBCluster and DBInstance. A cluster
with engine aurora-postgresql is backed by a real PostgreSQL (see pgcluster.py)."""

from __future__ import annotations

import re
import shutil
from typing import Any, ClassVar

from moto.cloudformation.exceptions import ValidationError
from moto.core.common_models import CloudFormationModel
from moto.kms.models import kms_backends
from moto.rds import models as _rds_models
from moto.rds.models import DBInstance, RDSBackend, rds_backends

from tapcheck.emulator import rds_offerings
from tapcheck.emulator.models.base import (
    PG_CLUSTERS,
    AttributeReaders,
    _bool,
    _lock,
    _name,
    _pg,
    _tags,
    _Wrapper,
    emulator_root,
    handler_error,
    log,
)
from tapcheck.emulator.pgcluster import PgCluster, PgError, pg_available


class DBClusterParameterGroup(_Wrapper, CloudFormationModel):
    CFN_TYPE = "AWS::RDS::DBClusterParameterGroup"
    NAME_PROPERTY = "DBClusterParameterGroupName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "DBClusterParameterGroup":
        props = cloudformation_json["Properties"]
        rds = rds_backends[account_id][region_name]
        group = rds.create_db_cluster_parameter_group(
            db_cluster_parameter_group_name=resource_name.lower(),
            db_parameter_group_family=props.get("Family"),
            description=props.get("Description"),
            tags=_tags(props),
        )
        params = props.get("Parameters") or {}
        if params:
            rds.modify_db_cluster_parameter_group(group.name, _param_list(params))
        return cls(group.name, account_id, region_name, group)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        props = cloudformation_json["Properties"]
        old = original_resource.obj
        if new_resource_name.lower() != old.name or props.get("Family") != old.db_parameter_group_family:
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        rds = rds_backends[account_id][region_name]
        params = props.get("Parameters") or {}
        old.parameters.clear()
        rds.modify_db_cluster_parameter_group(old.name, _param_list(params))
        old.description = props.get("Description")
        old.tags = _tags(props)
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        rds_backends[account_id][region_name].delete_db_cluster_parameter_group(self.physical_id)


class DBSubnetGroup(_Wrapper, CloudFormationModel):
    """moto's subnet group, but Ref yields its name (moto's own model yields the object)."""

    CFN_TYPE = "AWS::RDS::DBSubnetGroup"
    NAME_PROPERTY = "DBSubnetGroupName"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "DBSubnetGroup":
        props = cloudformation_json["Properties"]
        if len(set(props.get("SubnetIds") or [])) < 2:
            raise _az_coverage_error("1")
        group = _rds_models.DBSubnetGroup.create_from_cloudformation_json(
            resource_name.lower(), cloudformation_json, account_id, region_name)
        azs = {s["SubnetAvailabilityZone"]["Name"] for s in group.subnets}
        if len(azs) < 2:
            rds_backends[account_id][region_name].delete_subnet_group(group.name)
            raise _az_coverage_error(", ".join(sorted(azs)))
        return cls(group.name, account_id, region_name, group)

    def delete(self, account_id: str, region_name: str) -> None:
        rds_backends[account_id][region_name].delete_subnet_group(self.physical_id)


def _az_coverage_error(coverage: str) -> ValidationError:
    return ValidationError(message="The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. "
                                   f"Current AZ coverage: {coverage}. Add subnets to cover at least 2 AZs.")


def _failure(exc: BaseException) -> str:
    """A resource's failure reason: PgError texts as they are, anything else with its type."""
    if isinstance(exc, PgError):
        return str(exc)
    text = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {' '.join(str(text).split())}" if text else type(exc).__name__


def _scaling_configuration(scaling: dict[str, Any]) -> dict[str, float]:
    return {"MinCapacity": float(scaling["MinCapacity"]), "MaxCapacity": float(scaling["MaxCapacity"])}


def _param_list(params: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"ParameterName": k, "ParameterValue": str(v), "ApplyMethod": "immediate"} for k, v in params.items()
    ]


def _group_params(rds: RDSBackend, group_name: str | None) -> dict[str, str]:
    if not group_name or group_name not in rds.db_cluster_parameter_groups:
        return {}
    group = rds.db_cluster_parameter_groups[group_name]
    return {k: str(v.get("ParameterValue")) for k, v in group.parameters.items() if "ParameterValue" in v}


def ensure_default_cluster_parameter_group(rds: RDSBackend, family: str) -> str:
    """RDS's default cluster parameter group of a family (default.aurora-postgresql15), with
    the default values the emulator applies (see rds_offerings.default_cluster_parameters).
    It exists on AWS without being created; here it is made on first use."""
    name = f"default.{family}"
    if name not in rds.db_cluster_parameter_groups:
        group = _rds_models.DBClusterParameterGroup(
            backend=rds, db_cluster_parameter_group_name=name, db_parameter_group_family=family,
            description=f"Default cluster parameter group for {family}", tags=[],
        )
        for key, value in rds_offerings.default_cluster_parameters(family).items():
            group.parameters[key] = {"ParameterName": key, "ParameterValue": value, "Source": "engine-default",
                                     "ApplyType": "dynamic", "IsModifiable": True, "ApplyMethod": "immediate"}
        rds.db_cluster_parameter_groups[name] = group
    return name


# RDS's identifier rules (CreateDBCluster, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html):
# DBClusterIdentifier 1-63 letters, digits or hyphens, starting with a letter, no trailing or
# double hyphen; MasterUsername 1-16 letters or digits starting with a letter (CreateDBInstance's
# page adds underscores, accepted here too); DatabaseName (Aurora PostgreSQL) 1-63 characters,
# a letter then letters, digits or underscores. MasterUserPassword: printable ASCII except
# '/', '@', '"' and space. The refusal texts are the ones commonly reported (undocumented).
_CLUSTER_ID = re.compile(r"[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)")
_MASTER_USER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}")
_DATABASE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
_PASSWORD = re.compile(r"[!#-.0-?A-~]+")


def _rds_identifier_refusal(cluster_id: str, user: str | None, password: str | None, database: str | None) -> str | None:
    if not _CLUSTER_ID.fullmatch(cluster_id):
        return ("The parameter DBClusterIdentifier is not a valid identifier. Identifiers must begin with a "
                "letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen "
                "or contain two consecutive hyphens.")
    if user is not None and not _MASTER_USER.fullmatch(user):
        return ("The parameter MasterUsername is not a valid identifier. Identifiers must begin with a letter "
                "and contain only ASCII letters, digits, and underscores (1 to 16 characters).")
    if password is not None and not _PASSWORD.fullmatch(password):
        return ("The parameter MasterUserPassword is not a valid password. Only printable ASCII characters "
                "besides '/', '@', '\"', ' ' may be used.")
    if database is not None and not _DATABASE.fullmatch(database):
        return "DatabaseName must begin with a letter and contain only alphanumeric characters."
    return None


def _aws_managed_key(account_id: str, region_name: str, service: str) -> str:
    """ARN of the AWS-managed KMS key alias/aws/<service>, created on first use as AWS does."""
    kms = kms_backends[account_id][region_name]
    alias = f"alias/aws/{service}"
    try:
        key = kms.describe_key(alias)  # moto creates reserved aws/* aliases on first use
    except Exception:  # noqa: BLE001
        key = kms.create_key(
            policy=None, key_usage="ENCRYPT_DECRYPT", key_spec="SYMMETRIC_DEFAULT",
            description=f"Default key that protects my {service.upper()} data when no other key is defined",
            tags=None,
        )
        kms.add_alias(key.id, alias)
    key.key_manager = "AWS"
    return key.arn


class AuroraCluster(_Wrapper, CloudFormationModel):
    CFN_TYPE = "AWS::RDS::DBCluster"
    NAME_PROPERTY = "DBClusterIdentifier"
    ATTRIBUTES: ClassVar[AttributeReaders] = {
        "Endpoint.Address": lambda wrapper: wrapper.obj.endpoint,
        "Endpoint.Port": lambda wrapper: str(wrapper.obj.port),
        "ReadEndpoint.Address": lambda wrapper: wrapper.obj.reader_endpoint,
        "DBClusterArn": lambda wrapper: wrapper.obj.db_cluster_arn,
        "DBClusterResourceId": lambda wrapper: wrapper.obj.db_cluster_resource_id,
    }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "AuroraCluster":
        props = cloudformation_json["Properties"]
        rds = rds_backends[account_id][region_name]
        cluster_id = resource_name.lower()
        engine = props.get("Engine")
        version = str(props["EngineVersion"]) if props.get("EngineVersion") not in (None, "") else None
        version = version or rds_offerings.default_engine_version(engine)
        refusal = version and rds_offerings.engine_version_refusal(engine, version)
        if refusal:
            raise handler_error(refusal, "Rds")
        # Clusters created since 2026-02-18 are encrypted at rest even without StorageEncrypted, with an
        # AWS owned key rather than a KMS key of the account; StorageEncrypted true without KmsKeyId
        # selects the AWS managed key aws/rds
        # (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html, read in
        # its current Japanese translation; the English page found offline predates the change).
        # How DescribeDBClusters shows the owned-key case is not documented: it shows StorageEncrypted
        # true with no KmsKeyId here.
        encrypted = _bool(props.get("StorageEncrypted"), True)
        kms_key = props.get("KmsKeyId")
        if _bool(props.get("StorageEncrypted")) and not kms_key:
            kms_key = _aws_managed_key(account_id, region_name, "rds")
        subnet_group = _name(props.get("DBSubnetGroupName"))
        if subnet_group and subnet_group.lower() not in rds.subnet_groups:
            raise ValidationError(message=f"DBSubnetGroup '{subnet_group}' not found")
        pg_group = _name(props.get("DBClusterParameterGroupName"))
        if pg_group and pg_group.lower() not in rds.db_cluster_parameter_groups:
            raise ValidationError(message=f"DBClusterParameterGroup not found: {pg_group}")
        if not pg_group and engine == rds_offerings.AURORA_POSTGRESQL and version:
            pg_group = ensure_default_cluster_parameter_group(rds, rds_offerings.parameter_group_family(engine, version))
        scaling = props.get("ServerlessV2ScalingConfiguration")
        azs = None
        if subnet_group:
            azs = sorted({s["SubnetAvailabilityZone"]["Name"] for s in rds.subnet_groups[subnet_group.lower()].subnets})
        kwargs_ = {
            "db_cluster_identifier": cluster_id,
            "engine": engine,
            "engine_version": version,
            "engine_mode": props.get("EngineMode"),
            "database_name": props.get("DatabaseName"),
            "master_username": props.get("MasterUsername"),
            "master_user_password": props.get("MasterUserPassword"),
            "manage_master_user_password": _bool(props.get("ManageMasterUserPassword")),
            "db_cluster_parameter_group_name": pg_group.lower() if pg_group else None,
            "db_subnet_group_name": subnet_group.lower() if subnet_group else None,
            "vpc_security_group_ids": props.get("VpcSecurityGroupIds") or [],
            "storage_encrypted": encrypted,
            "kms_key_id": kms_key,
            "deletion_protection": _bool(props.get("DeletionProtection")),
            "backup_retention_period": int(props.get("BackupRetentionPeriod", 1)),
            "preferred_backup_window": props.get("PreferredBackupWindow", "03:00-03:30"),
            "preferred_maintenance_window": (props.get("PreferredMaintenanceWindow") or "sun:05:00-sun:05:30").lower(),
            "enable_cloudwatch_logs_exports": list(props.get("EnableCloudwatchLogsExports") or []),
            "serverless_v2_scaling_configuration": _scaling_configuration(scaling) if scaling else None,
            "enable_iam_database_authentication": _bool(props.get("EnableIAMDatabaseAuthentication")),
            "copy_tags_to_snapshot": _bool(props.get("CopyTagsToSnapshot")),
            "port": int(props["Port"]) if props.get("Port") else None,
            "tags": _tags(props),
            "availability_zones": azs,
        }
        if not kwargs_["master_username"] and not kwargs_["manage_master_user_password"]:
            raise ValidationError(message="The parameter MasterUsername must be provided and must not be blank.")
        if not kwargs_["manage_master_user_password"] and not kwargs_["master_user_password"]:
            raise ValidationError(message="The parameter MasterUserPassword must be provided and must not be blank.")
        refusal = _rds_identifier_refusal(cluster_id, kwargs_["master_username"], kwargs_["master_user_password"],
                                          kwargs_["database_name"])
        if refusal:
            raise handler_error(refusal, "Rds")
        if engine == rds_offerings.AURORA_POSTGRESQL:
            problem = pg_available()
            if problem:
                raise ValidationError(message=f"emulator data plane unavailable: {problem}")
        cluster = rds.create_db_cluster(kwargs_)
        wrapper = cls(cluster.db_cluster_identifier, account_id, region_name, cluster)
        if engine == rds_offerings.AURORA_POSTGRESQL:
            major = str(cluster.engine_version).split(".")[0]
            if major != "15":
                log.warning("cluster %s asks for PostgreSQL %s; the emulator runs 15", cluster_id, major)
            pgc = None
            try:
                pgc = PgCluster(
                    emulator_root(), cluster_id, int(cluster.port), cluster.master_username,
                    kwargs_["master_user_password"], cluster.database_name,
                    _group_params(rds, cluster.parameter_group),
                )
                pgc.create()
            except Exception as e:  # noqa: BLE001 - whatever failed, remove what was made
                if pgc is not None:
                    pgc.destroy()
                rds.delete_db_cluster(cluster.db_cluster_identifier)
                raise ValidationError(message=_failure(e)) from None
            with _lock:
                PG_CLUSTERS[(account_id, region_name, cluster.db_cluster_identifier)] = pgc
        return wrapper

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        props = cloudformation_json["Properties"]
        cluster = original_resource.obj
        rds = rds_backends[account_id][region_name]
        mods: dict[str, Any] = {"db_cluster_identifier": cluster.db_cluster_identifier}
        simple = {
            "BackupRetentionPeriod": ("backup_retention_period", int),
            "PreferredBackupWindow": ("preferred_backup_window", str),
            "PreferredMaintenanceWindow": ("preferred_maintenance_window", lambda v: str(v).lower()),
            "DeletionProtection": ("deletion_protection", _bool),
            "EnableIAMDatabaseAuthentication": ("iam_auth", _bool),
            "CopyTagsToSnapshot": ("copy_tags_to_snapshot", _bool),
        }
        for prop, (attr, conv) in simple.items():
            if prop in props:
                mods[attr] = conv(props[prop])
        if props.get("DBClusterParameterGroupName"):
            mods["db_cluster_parameter_group_name"] = props["DBClusterParameterGroupName"].lower()
        if "ServerlessV2ScalingConfiguration" in props:
            mods["serverless_v2_scaling_configuration"] = _scaling_configuration(
                props["ServerlessV2ScalingConfiguration"])
        rds.modify_db_cluster(mods)
        cluster.enabled_cloudwatch_logs_exports = list(props.get("EnableCloudwatchLogsExports") or [])
        cluster.tags = _tags(props)
        return original_resource

    def snapshot(self, logical_id: str) -> None:
        rds = rds_backends[self.account_id][self.region_name]
        rds.create_db_cluster_snapshot(self.physical_id, f"{self.physical_id}-{logical_id.lower()}-final")

    def delete(self, account_id: str, region_name: str) -> None:
        rds = rds_backends[account_id][region_name]
        try:
            rds.delete_db_cluster(self.physical_id)
        except _rds_models.DBClusterNotFoundError:
            # Deleted outside the stack: CloudFormation completes the delete (docs silent;
            # commonly observed), and so does the emulator.
            pass
        with _lock:
            pgc = PG_CLUSTERS.pop((account_id, region_name, self.physical_id), None)
        if pgc:
            pgc.destroy()


class AuroraInstance(_Wrapper, CloudFormationModel):
    """AWS::RDS::DBInstance. In a cluster: moto's clustered instance plus the matching
    PostgreSQL server; stand-alone: moto's own model, unchanged."""

    CFN_TYPE = "AWS::RDS::DBInstance"
    NAME_PROPERTY = "DBInstanceIdentifier"
    ATTRIBUTES: ClassVar[AttributeReaders] = {
        "Endpoint.Address": lambda wrapper: wrapper.obj.address,
        "Endpoint.Port": lambda wrapper: str(wrapper.obj.port),
        "DBInstanceArn": lambda wrapper: wrapper.obj.db_instance_arn,
    }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> Any:
        props = cloudformation_json["Properties"]
        if not props.get("DBClusterIdentifier"):
            return DBInstance.create_from_cloudformation_json(
                resource_name, cloudformation_json, account_id, region_name, **kwargs
            )
        rds = rds_backends[account_id][region_name]
        cluster_id = props["DBClusterIdentifier"].lower()
        cluster = rds.clusters.get(cluster_id)
        if cluster is None:
            raise ValidationError(message=f"DBCluster {cluster_id} not found")
        engine = props.get("Engine") or cluster.engine
        refusal = props.get("DBInstanceClass") and rds_offerings.instance_class_refusal(
            engine, str(cluster.engine_version), str(props["DBInstanceClass"]), region_name)
        if refusal:
            raise handler_error(refusal, "Rds")
        az = props.get("AvailabilityZone")
        if not az:
            # Aurora spreads a cluster's instances over the subnet group's AZs.
            used = [m.availability_zone for m in cluster._members]
            candidates = list(cluster.availability_zones or [f"{region_name}a"])
            free = [z for z in candidates if z not in used]
            az = (free or candidates)[0]
        db_kwargs = {
            "db_instance_identifier": resource_name.lower(),
            "db_cluster_identifier": cluster_id,
            "db_instance_class": props.get("DBInstanceClass"),
            "engine": props.get("Engine"),
            "engine_version": cluster.engine_version,
            "availability_zone": az,
            "publicly_accessible": _bool(props.get("PubliclyAccessible")),
            "auto_minor_version_upgrade": _bool(props.get("AutoMinorVersionUpgrade"), True),
            "monitoring_interval": int(props.get("MonitoringInterval", 0)),
            "monitoring_role_arn": props.get("MonitoringRoleArn"),
            "enable_performance_insights": _bool(props.get("EnablePerformanceInsights")),
            "performance_insights_retention_period": props.get("PerformanceInsightsRetentionPeriod"),
            "db_subnet_group_name": cluster.db_subnet_group_name,
            "tags": _tags(props),
            "promotion_tier": int(props.get("PromotionTier", 1)),
            "copy_tags_to_snapshot": cluster.copy_tags_to_snapshot,
            "port": cluster.port,
        }
        instance = rds.create_db_instance(db_kwargs)
        wrapper = cls(instance.db_instance_identifier, account_id, region_name, instance)
        pgc = _pg(account_id, region_name, cluster_id)
        if pgc is not None:
            role = "writer" if instance.is_cluster_writer and not pgc.writer_running else (
                "reader" if not pgc.reader_running else None)
            try:
                if role == "writer":
                    pgc.start_writer()
                elif role == "reader":
                    pgc.start_reader()
            except Exception as e:  # noqa: BLE001 - whatever failed, remove what was made
                try:
                    if role == "writer":
                        pgc.stop_writer()
                    elif role == "reader":
                        pgc.stop_reader()
                        shutil.rmtree(pgc.reader_data, ignore_errors=True)
                finally:
                    rds.delete_db_instance(instance.db_instance_identifier)
                raise ValidationError(message=_failure(e)) from None
        return wrapper

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        if not isinstance(original_resource, AuroraInstance):
            return original_resource  # moto's stand-alone DBInstance has no update support
        props = cloudformation_json["Properties"]
        inst = original_resource.obj
        inst.tags = _tags(props)
        inst.publicly_accessible = _bool(props.get("PubliclyAccessible"))
        inst.monitoring_interval = int(props.get("MonitoringInterval", 0))
        inst.monitoring_role_arn = props.get("MonitoringRoleArn")
        return original_resource

    def delete(self, account_id: str, region_name: str) -> None:
        rds = rds_backends[account_id][region_name]
        inst = self.obj
        was_writer = getattr(inst, "is_cluster_writer", False)
        # Stop the server before the instance goes: a server that already died (its
        # postmaster.pid stale) counts as stopped, so a dead writer or standby never blocks the
        # delete, and a failure here leaves the instance in place for a retry.
        pgc = _pg(account_id, region_name, inst.db_cluster_identifier)
        if pgc is not None:
            if was_writer:
                pgc.stop_writer()
            else:
                pgc.stop_reader()
        try:
            rds.delete_db_instance(self.physical_id)
        except _rds_models.DBInstanceNotFoundError:
            pass  # deleted outside the stack: the delete completes, as for the cluster
