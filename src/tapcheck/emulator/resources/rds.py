"""AWS::RDS::DBClusterParameterGroup, DBSubnetGroup, DBCluster and DBInstance. A cluster
with engine aurora-postgresql is backed by a real PostgreSQL (see pgcluster.py)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from typing import Any, ClassVar, cast

from moto.cloudformation.exceptions import ValidationError
from moto.ec2.models import ec2_backends
from moto.kms.models import kms_backends
from moto.rds import models as _rds_models
from moto.rds.models import DBInstance, RDSBackend, rds_backends

from tapcheck.emulator import rds_offerings
from tapcheck.emulator.failover import fail_over
from tapcheck.emulator.pgcluster import PgCluster, PgError, pg_available, server_running
from tapcheck.emulator.resources import clusters
from tapcheck.emulator.resources.base import (
    AttributeReaders,
    EmulatedResource,
    as_bool,
    handler_error,
    name_of,
    tag_list,
)
from tapcheck.emulator.resources.clusters import log


class DBClusterParameterGroup(EmulatedResource):
    CFN_TYPE = "AWS::RDS::DBClusterParameterGroup"
    NAME_PROPERTY = "DBClusterParameterGroupName"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> DBClusterParameterGroup:
        props = cloudformation_json["Properties"]
        rds = rds_backends[account_id][region_name]
        group = rds.create_db_cluster_parameter_group(
            db_cluster_parameter_group_name=resource_name.lower(),
            db_parameter_group_family=props.get("Family"),
            description=props.get("Description"),
            tags=tag_list(props),
        )
        params = props.get("Parameters") or {}
        if params:
            rds.modify_db_cluster_parameter_group(group.name, _param_list(params))
        return cls(group.name, account_id, region_name, group)

    UPDATABLE = frozenset({"Parameters", "Tags"})

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        # ModifyDBClusterParameterGroup (and ResetDBClusterParameterGroup for what the new
        # template drops) reach every cluster using the group: see lifecycle.install.
        rds = rds_backends[self.account_id][self.region_name]
        group = self.obj
        group.parameters.clear()
        rds.modify_db_cluster_parameter_group(group.name, _param_list(new.get("Parameters") or {}))
        group.tags = tag_list(new)

    def delete(self, account_id: str, region_name: str) -> None:
        rds_backends[account_id][region_name].delete_db_cluster_parameter_group(self.physical_id)


class DBSubnetGroup(EmulatedResource):
    """moto's subnet group, but Ref yields its name (moto's own model yields the object)."""

    CFN_TYPE = "AWS::RDS::DBSubnetGroup"
    NAME_PROPERTY = "DBSubnetGroupName"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> DBSubnetGroup:
        props = cloudformation_json["Properties"]
        refusal = subnet_group_name_refusal(resource_name)
        if refusal:
            raise handler_error(refusal, "Rds")
        if len(set(props.get("SubnetIds") or [])) < 2:
            raise _az_coverage_error("1")
        group = _rds_models.DBSubnetGroup.create_from_cloudformation_json(
            resource_name.lower(), cloudformation_json, account_id, region_name
        )
        azs = {s["SubnetAvailabilityZone"]["Name"] for s in group.subnets}
        if len(azs) < 2:
            rds_backends[account_id][region_name].delete_subnet_group(group.name)
            raise _az_coverage_error(", ".join(sorted(azs)))
        return cls(group.name, account_id, region_name, group)

    UPDATABLE = frozenset({"SubnetIds", "DBSubnetGroupDescription", "Tags"})

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        # ModifyDBSubnetGroup: the subnets and the description change, the name stays; "DB subnet
        # groups must contain at least one subnet in at least two AZs"
        # (https://docs.amazonaws.cn/en_us/AmazonRDS/latest/APIReference/API_ModifyDBSubnetGroup.md).
        subnet_ids = list(dict.fromkeys(new.get("SubnetIds") or []))
        if len(subnet_ids) < 2:
            raise _az_coverage_error("1")
        ec2 = ec2_backends[self.account_id][self.region_name]
        subnets = [ec2.get_subnet(subnet_id) for subnet_id in subnet_ids]
        azs = {subnet.availability_zone for subnet in subnets}
        if len(azs) < 2:
            raise _az_coverage_error(", ".join(sorted(azs)))
        group = self.obj
        group.subnets = subnets
        group.description = new.get("DBSubnetGroupDescription")
        group.tags = tag_list(new)

    def delete(self, account_id: str, region_name: str) -> None:
        rds_backends[account_id][region_name].delete_subnet_group(self.physical_id)


def _az_coverage_error(coverage: str) -> ValidationError:
    return ValidationError(
        message="The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. "
        f"Current AZ coverage: {coverage}. Add subnets to cover at least 2 AZs."
    )


def _failure(exc: BaseException) -> str:
    """A resource's failure reason: PgError texts as they are, anything else with its type."""
    if isinstance(exc, PgError):
        return str(exc)
    text = getattr(exc, "message", None) or str(exc)
    return f"{type(exc).__name__}: {' '.join(str(text).split())}" if text else type(exc).__name__


def _scaling_configuration(scaling: dict[str, Any]) -> dict[str, float]:
    return {"MinCapacity": float(scaling["MinCapacity"]), "MaxCapacity": float(scaling["MaxCapacity"])}


def apply_type(name: str) -> str:
    """RDS's ApplyType of a PostgreSQL 15 parameter: static for a setting PostgreSQL applies only
    at server start (context postmaster, in the list generated from this PostgreSQL's
    `postgres --describe-config`), dynamic otherwise. AWS publishes ApplyType only through the RDS
    API; the live servers confirm it (pg_settings.pending_restart, pgcluster.apply_parameters)."""
    from tapcheck.plan.postgres15_settings import RESTART

    return "static" if name in RESTART else "dynamic"


def _param_list(params: dict[str, Any]) -> list[dict[str, Any]]:
    # "You can use the immediate value with dynamic parameters only. You can use the pending-reboot
    # value for both dynamic and static parameters"
    # (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBClusterParameterGroup.html).
    out = []
    for k, v in params.items():
        kind = apply_type(k)
        out.append(
            {
                "ParameterName": k,
                "ParameterValue": str(v),
                "ApplyType": kind,
                "ApplyMethod": "pending-reboot" if kind == "static" else "immediate",
            }
        )
    return out


def group_parameters(rds: RDSBackend, group_name: str | None) -> dict[str, str]:
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
        # moto's models carry CloudFormationModel's @abstractmethod markers, yet are concrete
        group = cast(Any, _rds_models.DBClusterParameterGroup)(
            backend=rds,
            db_cluster_parameter_group_name=name,
            db_parameter_group_family=family,
            description=f"Default cluster parameter group for {family}",
            tags=[],
        )
        for key, value in rds_offerings.default_cluster_parameters(family).items():
            group.parameters[key] = {
                "ParameterName": key,
                "ParameterValue": value,
                "Source": "engine-default",
                "ApplyType": "dynamic",
                "IsModifiable": True,
                "ApplyMethod": "immediate",
            }
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


# CreateDBSubnetGroup's DBSubnetGroupName: "Must contain no more than 255 letters, numbers, periods,
# underscores, spaces, or hyphens. Must not be default. First character must be a letter."
# (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html); the
# CloudFormation schema's pattern is the same, ^(?!default$)[a-zA-Z]{1}[a-zA-Z0-9-_\.\s]{0,254}$
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbsubnetgroup.html).
# The name is stored in lower case, so "Default" is "default". The refusal's text: docs silent.
_SUBNET_GROUP = re.compile(r"[A-Za-z][A-Za-z0-9._ -]{0,254}")


def subnet_group_name_refusal(name: str) -> str | None:
    if _SUBNET_GROUP.fullmatch(name) and name.lower() != "default":
        return None
    return (
        "The parameter DBSubnetGroupName is not a valid identifier. It must begin with a letter, contain no "
        "more than 255 letters, numbers, periods, underscores, spaces, or hyphens, and must not be default "
        "(emulator wording: AWS's is undocumented)."
    )


_RESERVED_MASTER_USERS = frozenset({"rdsadmin", "rds_superuser", "rds_replication", "rds_password", "public"})


def identifier_refusal(cluster_id: str, user: str | None, password: str | None, database: str | None) -> str | None:
    if not _CLUSTER_ID.fullmatch(cluster_id):
        return (
            "The parameter DBClusterIdentifier is not a valid identifier. Identifiers must begin with a "
            "letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen "
            "or contain two consecutive hyphens."
        )
    if user is not None and not _MASTER_USER.fullmatch(user):
        return (
            "The parameter MasterUsername is not a valid identifier. Identifiers must begin with a letter "
            "and contain only ASCII letters, digits, and underscores (1 to 16 characters)."
        )
    if user is not None and (user.lower() in _RESERVED_MASTER_USERS or user.lower().startswith("pg_")):
        # "Can't be a reserved word for the chosen database engine" (master user name constraints,
        # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/CHAP_Limits.html#RDS_Limits.Constraints);
        # the roles Aurora PostgreSQL creates itself, and PostgreSQL's pg_ prefix
        # (https://www.postgresql.org/docs/15/sql-createrole.html). AWS documents no error text.
        return f"MasterUsername {user} cannot be used as it is a reserved word used by the engine"
    if password is not None and not _PASSWORD.fullmatch(password):
        return (
            "The parameter MasterUserPassword is not a valid password. Only printable ASCII characters "
            "besides '/', '@', '\"', ' ' may be used."
        )
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
            policy=None,
            key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT",
            description=f"Default key that protects my {service.upper()} data when no other key is defined",
            tags=None,
        )
        kms.create_alias(key.id, alias)
    key.key_manager = "AWS"
    return key.arn


class AuroraCluster(EmulatedResource):
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
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> AuroraCluster:
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
        encrypted = as_bool(props.get("StorageEncrypted"), True)
        kms_key = props.get("KmsKeyId")
        if as_bool(props.get("StorageEncrypted")) and not kms_key:
            kms_key = _aws_managed_key(account_id, region_name, "rds")
        subnet_group = name_of(props.get("DBSubnetGroupName"))
        if subnet_group and subnet_group.lower() not in rds.subnet_groups:
            raise ValidationError(message=f"DBSubnetGroup '{subnet_group}' not found")
        pg_group = name_of(props.get("DBClusterParameterGroupName"))
        if pg_group and pg_group.lower() not in rds.db_cluster_parameter_groups:
            raise ValidationError(message=f"DBClusterParameterGroup not found: {pg_group}")
        if not pg_group and engine == rds_offerings.AURORA_POSTGRESQL and version:
            pg_group = ensure_default_cluster_parameter_group(
                rds, rds_offerings.parameter_group_family(engine, version)
            )
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
            "manage_master_user_password": as_bool(props.get("ManageMasterUserPassword")),
            "db_cluster_parameter_group_name": pg_group.lower() if pg_group else None,
            "db_subnet_group_name": subnet_group.lower() if subnet_group else None,
            "vpc_security_group_ids": props.get("VpcSecurityGroupIds") or [],
            "storage_encrypted": encrypted,
            "kms_key_id": kms_key,
            "deletion_protection": as_bool(props.get("DeletionProtection")),
            "backup_retention_period": int(props.get("BackupRetentionPeriod", 1)),
            "preferred_backup_window": props.get("PreferredBackupWindow", "03:00-03:30"),
            "preferred_maintenance_window": (props.get("PreferredMaintenanceWindow") or "sun:05:00-sun:05:30").lower(),
            "enable_cloudwatch_logs_exports": list(props.get("EnableCloudwatchLogsExports") or []),
            "serverless_v2_scaling_configuration": _scaling_configuration(scaling) if scaling else None,
            "enable_iam_database_authentication": as_bool(props.get("EnableIAMDatabaseAuthentication")),
            "copy_tags_to_snapshot": as_bool(props.get("CopyTagsToSnapshot")),
            "port": int(props["Port"]) if props.get("Port") else None,
            "tags": tag_list(props),
            "availability_zones": azs,
        }
        if not kwargs_["master_username"] and not kwargs_["manage_master_user_password"]:
            raise ValidationError(message="The parameter MasterUsername must be provided and must not be blank.")
        if not kwargs_["manage_master_user_password"] and not kwargs_["master_user_password"]:
            raise ValidationError(message="The parameter MasterUserPassword must be provided and must not be blank.")
        refusal = identifier_refusal(
            cluster_id, kwargs_["master_username"], kwargs_["master_user_password"], kwargs_["database_name"]
        )
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
                    clusters.data_root(),
                    cluster_id,
                    int(cluster.port),
                    cluster.master_username or "",
                    kwargs_["master_user_password"],
                    cluster.database_name,
                    group_parameters(rds, cluster.parameter_group),
                    engine_version=str(cluster.engine_version or ""),
                )
                pgc.create()
            except Exception as e:  # noqa: BLE001 - whatever failed, remove what was made
                if pgc is not None:
                    pgc.destroy()
                rds.delete_db_cluster(cluster.db_cluster_identifier)
                raise ValidationError(message=_failure(e)) from None
            clusters.register(account_id, region_name, cluster.db_cluster_identifier, pgc)
        return wrapper

    # What ModifyDBCluster changes (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html),
    # plus the two it cannot and the RDS handler passes over without failing: MasterUsername
    # (ModifyDBCluster has no such parameter) and AvailabilityZones.
    UPDATABLE = frozenset(
        {
            "BackupRetentionPeriod",
            "PreferredBackupWindow",
            "PreferredMaintenanceWindow",
            "DeletionProtection",
            "EnableIAMDatabaseAuthentication",
            "CopyTagsToSnapshot",
            "DBClusterParameterGroupName",
            "ServerlessV2ScalingConfiguration",
            "EnableCloudwatchLogsExports",
            "Tags",
            "MasterUserPassword",
            "MasterUsername",
            "AvailabilityZones",
            "VpcSecurityGroupIds",
            "EngineVersion",
            "Engine",
            "AutoMinorVersionUpgrade",
        }
    )

    @classmethod
    def not_updatable(cls, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        # The RDS handler's ImmutabilityHelper: an Engine change other than aurora -> aurora-mysql,
        # or joining another global cluster, is answered NotUpdatable ("Resource is immutable"),
        # and CloudFormation replaces the cluster:
        # https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds/blob/master/aws-rds-dbcluster/src/main/java/software/amazon/rds/dbcluster/util/ImmutabilityHelper.java
        before, after = old.get("Engine"), new.get("Engine")
        if before != after and not (before == "aurora" and after == "aurora-mysql"):
            return f"Engine {before} -> {after}: the RDS handler answers NotUpdatable (Resource is immutable)"
        global_after = new.get("GlobalClusterIdentifier")
        if global_after and global_after != old.get("GlobalClusterIdentifier"):
            return "GlobalClusterIdentifier changes: the RDS handler answers NotUpdatable (Resource is immutable)"
        return None

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """ModifyDBCluster with ApplyImmediately, as the RDS handler sends it (its
        Translator.modifyDbClusterRequest: MasterUserPassword only when it differs from the
        previous one, no MasterUsername at all):
        https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds/blob/master/aws-rds-dbcluster/src/main/java/software/amazon/rds/dbcluster/Translator.java"""
        cluster = self.obj
        rds = rds_backends[self.account_id][self.region_name]
        version = new.get("EngineVersion")
        if version not in (None, "") and str(version).split(".")[0] != str(cluster.engine_version).split(".")[0]:
            raise ValidationError(
                message=f"EngineVersion {version}: the tapcheck emulator runs PostgreSQL "
                f"{str(cluster.engine_version).split('.')[0]} and cannot upgrade a major version"
            )
        mods: dict[str, Any] = {"db_cluster_identifier": cluster.db_cluster_identifier}
        simple: dict[str, tuple[str, Callable[[Any], Any]]] = {
            "BackupRetentionPeriod": ("backup_retention_period", int),
            "PreferredBackupWindow": ("preferred_backup_window", str),
            "PreferredMaintenanceWindow": ("preferred_maintenance_window", lambda v: str(v).lower()),
            "DeletionProtection": ("deletion_protection", as_bool),
            "EnableIAMDatabaseAuthentication": ("iam_auth", as_bool),
            "CopyTagsToSnapshot": ("copy_tags_to_snapshot", as_bool),
            # ModifyDBCluster's AutoMinorVersionUpgrade, "Valid for Cluster Type: Aurora DB clusters and
            # Multi-AZ DB clusters" (API_ModifyDBCluster.html)
            "AutoMinorVersionUpgrade": ("auto_minor_version_upgrade", as_bool),
        }
        for prop, (attr, conv) in simple.items():
            if prop in new:
                mods[attr] = conv(new[prop])
        group = name_of(new.get("DBClusterParameterGroupName"))
        if group:
            if group.lower() not in rds.db_cluster_parameter_groups:
                raise ValidationError(message=f"DBClusterParameterGroup not found: {group}")
            mods["db_cluster_parameter_group_name"] = group.lower()
        if "ServerlessV2ScalingConfiguration" in new:
            mods["serverless_v2_scaling_configuration"] = _scaling_configuration(
                new["ServerlessV2ScalingConfiguration"]
            )
        if version not in (None, ""):
            mods["engine_version"] = str(version)
        password = new.get("MasterUserPassword")
        if password is not None and password != old.get("MasterUserPassword"):
            refusal = identifier_refusal(cluster.db_cluster_identifier, None, str(password), None)
            if refusal:
                raise handler_error(refusal, "Rds")
            pgc = clusters.lookup(self.account_id, self.region_name, cluster.db_cluster_identifier)
            if pgc is not None:
                pgc.set_master_password(str(password))
            mods["master_user_password"] = str(password)
        rds.modify_db_cluster(mods)
        cluster.vpc_security_group_ids = list(new.get("VpcSecurityGroupIds") or [])
        cluster.enabled_cloudwatch_logs_exports = list(new.get("EnableCloudwatchLogsExports") or [])
        cluster.tags = tag_list(new)

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
        pgc = clusters.forget(account_id, region_name, self.physical_id)
        if pgc:
            pgc.destroy()


class AuroraInstance(EmulatedResource):
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
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
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
            engine, str(cluster.engine_version), str(props["DBInstanceClass"]), region_name
        )
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
            "publicly_accessible": as_bool(props.get("PubliclyAccessible")),
            "auto_minor_version_upgrade": as_bool(props.get("AutoMinorVersionUpgrade"), True),
            "monitoring_interval": int(props.get("MonitoringInterval", 0)),
            "monitoring_role_arn": props.get("MonitoringRoleArn"),
            "enable_performance_insights": as_bool(props.get("EnablePerformanceInsights")),
            "performance_insights_retention_period": props.get("PerformanceInsightsRetentionPeriod"),
            "db_subnet_group_name": cluster.db_subnet_group_name,
            "tags": tag_list(props),
            "promotion_tier": int(props.get("PromotionTier", 1)),
            "copy_tags_to_snapshot": cluster.copy_tags_to_snapshot,
            "port": cluster.port,
        }
        instance: Any = rds.create_db_instance(db_kwargs)  # a clustered instance (is_cluster_writer)
        wrapper = cls(instance.db_instance_identifier, account_id, region_name, instance)
        pgc = clusters.lookup(account_id, region_name, cluster_id)
        if pgc is not None:
            role = (
                "writer"
                if instance.is_cluster_writer and not pgc.writer_running
                else ("reader" if not pgc.reader_running else None)
            )
            if role is not None:
                pgc.instance_ids[role] = instance.db_instance_identifier  # for aurora_replica_status()
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

    UPDATABLE = frozenset(
        {
            "Tags",
            "PubliclyAccessible",
            "MonitoringInterval",
            "MonitoringRoleArn",
            "AutoMinorVersionUpgrade",
            "PromotionTier",
            "DBInstanceClass",
            "PreferredMaintenanceWindow",
            "Engine",
        }
    )

    @classmethod
    def not_updatable(cls, old: dict[str, Any], new: dict[str, Any]) -> str | None:
        # The RDS DB instance handler's ImmutabilityHelper (the rules that apply to an Aurora
        # instance): an Engine change other than aurora -> aurora-mysql, an AvailabilityZone change
        # (unless cleared with MultiAZ), a PerformanceInsightsKMSKeyId change once set:
        # https://github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds/blob/master/aws-rds-dbinstance/src/main/java/software/amazon/rds/dbinstance/util/ImmutabilityHelper.java
        before, after = old.get("Engine"), new.get("Engine")
        if before != after and not (before == "aurora" and after == "aurora-mysql"):
            return f"Engine {before} -> {after}: the RDS handler answers NotUpdatable"
        az_before, az_after = old.get("AvailabilityZone"), new.get("AvailabilityZone")
        if az_before != az_after and not (not az_after and as_bool(new.get("MultiAZ"))):
            return f"AvailabilityZone {az_before} -> {az_after}: the RDS handler answers NotUpdatable"
        key_before = old.get("PerformanceInsightsKMSKeyId")
        if key_before and key_before != new.get("PerformanceInsightsKMSKeyId"):
            return "PerformanceInsightsKMSKeyId changes once set: the RDS handler answers NotUpdatable"
        return None

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        inst = self.obj
        if not getattr(inst, "db_cluster_identifier", None):
            raise ValidationError(message="the tapcheck emulator cannot update a DB instance outside a cluster")
        if new.get("DBInstanceClass"):
            refusal = rds_offerings.instance_class_refusal(
                inst.engine, str(inst.engine_version), str(new["DBInstanceClass"]), self.region_name
            )
            if refusal:
                raise handler_error(refusal, "Rds")
            inst.db_instance_class = str(new["DBInstanceClass"])
        inst.tags = tag_list(new)
        inst.publicly_accessible = as_bool(new.get("PubliclyAccessible"))
        inst.monitoring_interval = int(new.get("MonitoringInterval", 0))
        inst.monitoring_role_arn = new.get("MonitoringRoleArn")
        inst.auto_minor_version_upgrade = as_bool(new.get("AutoMinorVersionUpgrade"), True)
        inst.promotion_tier = int(new.get("PromotionTier", 1))
        if new.get("PreferredMaintenanceWindow"):
            inst.preferred_maintenance_window = str(new["PreferredMaintenanceWindow"]).lower()

    def delete(self, account_id: str, region_name: str) -> None:
        rds = rds_backends[account_id][region_name]
        try:
            # the backend's DeleteDBInstance releases the instance's server (rds_backend.py),
            # whether the stack or an RDS API call deletes it
            rds.delete_db_instance(self.physical_id)
        except _rds_models.DBInstanceNotFoundError:
            pass  # deleted outside the stack: the delete completes, as for the cluster


def release_server(rds: Any, instance: Any) -> None:
    """Stop the server of an instance about to leave its cluster. A server that already died
    (its postmaster.pid stale) counts as stopped, so a dead writer or standby never blocks the
    delete, and a failure here leaves the instance in place for a retry."""
    cluster_id = getattr(instance, "db_cluster_identifier", None)
    pgc = clusters.lookup(rds.account_id, rds.region_name, cluster_id) if cluster_id else None
    if pgc is None:
        return
    cluster = rds.clusters.get(cluster_id)
    others = [
        m
        for m in (cluster._members if cluster is not None else [])
        if m.db_instance_identifier != instance.db_instance_identifier
    ]
    _release_server(pgc, getattr(instance, "is_cluster_writer", False), others)


def _release_server(pgc: PgCluster, was_writer: bool, others: list[Any]) -> None:
    """The data plane when an instance leaves its cluster. The writer server serves the writer
    instance and the reader server every reader instance. "If you delete the writer instance,
    then the reader instance is promoted as a writer, automatically. This failover operation
    causes downtime" (https://repost.aws/de/knowledge-center/rds-error-delete-aurora-cluster):
    the standby is promoted (emulator/failover.py) when another instance remains."""
    readers_left = [m for m in others if not m.is_cluster_writer]
    if was_writer:
        if others and pgc.reader_running and server_running(pgc.reader_data):
            fail_over(pgc)
            readers_left = others[1:]
        else:
            pgc.stop_writer()
            return
    if not readers_left and pgc.reader_running:
        pgc.stop_reader()
        pgc.instance_ids.pop("reader", None)
        # a reader added later is built afresh from the writer (pg_basebackup needs an empty directory)
        shutil.rmtree(pgc.reader_data, ignore_errors=True)
        if pgc.writer_running:
            pgc.serve_reader_endpoint_from_writer()
