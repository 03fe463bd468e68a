"""CloudFormation support that stock moto lacks, added on top of moto.

Importing this module (before the first stack is created) registers resource models
for AWS::RDS::DBCluster, AWS::RDS::DBClusterParameterGroup, AWS::RDS::DBInstance in a
cluster, AWS::SecretsManager::Secret, AWS::SecretsManager::SecretTargetAttachment,
AWS::CloudWatch::Alarm, and tag-aware AWS::SNS::Topic / AWS::IAM::Role. moto's
CloudFormation looks models up among the direct subclasses of CloudFormationModel, so
each class here subclasses it directly; defined after moto's own, ours win for a type
both define. `install()` then patches moto's stack lifecycle so that:

- `{{resolve:secretsmanager:...}}` and `{{resolve:ssm:...}}` dynamic references resolve;
- every resource gets CREATE/DELETE events, a failing resource gets CREATE_FAILED with
  the reason, and a failed create rolls back to ROLLBACK_COMPLETE instead of erroring;
- DeletionPolicy Retain and Snapshot are honoured on delete;
- a DBCluster is backed by a real PostgreSQL 15 (see pgcluster.py): its instances start
  the writer (primary) and reader (hot standby), and cluster parameter group changes
  made later through the RDS API are applied to the running servers.

moto's own validation stays on: every create goes through moto's service backends.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.iam.models import Role as MotoRole
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.rds import models as _rds_models  # noqa: F401 - moto's RDS models register first
from moto.rds.models import DBCluster, DBInstance, RDSBackend, rds_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.sns.models import sns_backends
from moto.ssm.models import ssm_backends
from moto.utilities.utils import get_partition

from tapcheck.emulator.pgcluster import PgCluster, PgError, pg_available

log = logging.getLogger("tapcheck.emulator")

_lock = threading.RLock()
# (account, region, cluster id) -> PgCluster
PG_CLUSTERS: dict[tuple[str, str, str], PgCluster] = {}


def emulator_root() -> Path:
    return Path(os.environ.get("TAPCHECK_EMULATOR_ROOT") or "/tmp/tapcheck-emulator-data")


def _pg(account_id: str, region: str, cluster_id: str) -> PgCluster | None:
    return PG_CLUSTERS.get((account_id, region, cluster_id.lower()))


def _tags(props: dict[str, Any]) -> list[dict[str, str]]:
    return [{"Key": t["Key"], "Value": str(t["Value"])} for t in props.get("Tags") or []]


def _name(value: Any) -> str | None:
    """A Ref to one of moto's own models may yield the object rather than its name."""
    if value is None or isinstance(value, str):
        return value
    return getattr(value, "physical_resource_id", None) or getattr(value, "name", None) or str(value)


def _bool(value: Any, default: bool = False) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)


# Fn::GetAtt attribute name -> reads its value from a model instance
AttributeReaders = dict[str, Callable[[Any], Any]]


class _Wrapper:
    """Common plumbing for a model whose real object lives in a moto backend.

    Deliberately not a CloudFormationModel: moto registers every direct subclass of
    CloudFormationModel under its cloudformation_type(), and only direct ones, so a shared
    base there would register a bogus type and hide the models below it. Each model
    names CloudFormationModel as its own second base instead.
    """

    CFN_TYPE: ClassVar[str]
    # The property that names the resource; "" makes moto generate a name.
    NAME_PROPERTY: ClassVar[str] = ""
    # Fn::GetAtt attribute -> its value, read from the wrapper (see _WrapperWithAttributes).
    ATTRIBUTES: ClassVar[AttributeReaders] = {}

    def __init__(self, physical_id: str, account_id: str, region_name: str, obj: Any = None) -> None:
        self.physical_id = physical_id
        self.account_id = account_id
        self.region_name = region_name
        self.obj = obj

    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    # moto calls both on the class only, so classmethods serve for its staticmethods.
    @classmethod
    def cloudformation_type(cls) -> str:  # type: ignore[override]
        return cls.CFN_TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:  # type: ignore[override]
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        """moto's check of Fn::GetAtt in Outputs."""
        return attr in cls.ATTRIBUTES

    def is_created(self) -> bool:
        return True

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        # Replacement. CloudFormation creates the new resource before deleting the old one;
        # this deletes first.
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        return None


class _WrapperWithAttributes(_Wrapper):
    """A model with Fn::GetAtt attributes. Models without any have no get_cfn_attribute,
    so a GetAtt on them keeps failing as it always has (AttributeError)."""

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        read = self.ATTRIBUTES.get(attribute_name)
        if read is None:
            raise UnformattedGetAttTemplateException()
        return read(self)


# --------------------------------------------------------------------------- secrets
class Secret(_WrapperWithAttributes, CloudFormationModel):
    CFN_TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES: ClassVar[AttributeReaders] = {"Id": lambda wrapper: wrapper.physical_id}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "Secret":
        props = cloudformation_json["Properties"]
        backend = secretsmanager_backends[account_id][region_name]
        secret_string = props.get("SecretString")
        gen = props.get("GenerateSecretString")
        if gen is not None and secret_string is not None:
            raise ValidationError(message="SecretString and GenerateSecretString are mutually exclusive")
        if gen is not None:
            password = backend.get_random_password(
                password_length=int(gen.get("PasswordLength", 32)),
                exclude_characters=gen.get("ExcludeCharacters", ""),
                exclude_numbers=_bool(gen.get("ExcludeNumbers")),
                exclude_punctuation=_bool(gen.get("ExcludePunctuation")),
                exclude_uppercase=_bool(gen.get("ExcludeUppercase")),
                exclude_lowercase=_bool(gen.get("ExcludeLowercase")),
                include_space=_bool(gen.get("IncludeSpace")),
                require_each_included_type=_bool(gen.get("RequireEachIncludedType"), True),
            )
            password = json.loads(password)["RandomPassword"] if password.startswith("{") else password
            template = gen.get("SecretStringTemplate")
            key = gen.get("GenerateStringKey")
            if (template is None) != (key is None):
                raise ValidationError(
                    message="GenerateSecretString: SecretStringTemplate and GenerateStringKey go together"
                )
            if template is not None:
                try:
                    doc = json.loads(template)
                except ValueError as e:
                    raise ValidationError(message=f"SecretStringTemplate is not valid JSON: {e}") from None
                doc[key] = password
                secret_string = json.dumps(doc)
            else:
                secret_string = password
        backend.create_secret(
            name=resource_name, secret_string=secret_string, secret_binary=None,
            description=props.get("Description"), tags=_tags(props), kms_key_id=props.get("KmsKeyId"),
            client_request_token=None, replica_regions=[], force_overwrite=False,
        )
        secret = backend.secrets[resource_name]
        return cls(secret.arn, account_id, region_name, secret)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = secretsmanager_backends[account_id][region_name]
        backend.delete_secret(self.physical_id, None, True)


class SecretTargetAttachment(_Wrapper, CloudFormationModel):
    CFN_TYPE = "AWS::SecretsManager::SecretTargetAttachment"

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "SecretTargetAttachment":
        props = cloudformation_json["Properties"]
        secret_id, target_id, target_type = props["SecretId"], props["TargetId"], props["TargetType"]
        sm = secretsmanager_backends[account_id][region_name]
        rds = rds_backends[account_id][region_name]
        if target_type == "AWS::RDS::DBCluster":
            target = rds.clusters.get(target_id.lower())
            if target is None:
                raise ValidationError(message=f"DB cluster {target_id} not found")
            extra = {
                "engine": "postgres" if target.engine.endswith("postgresql") else "mysql",
                "host": target.endpoint, "port": target.port,
                "dbClusterIdentifier": target.db_cluster_identifier,
            }
            if target.database_name:
                extra["dbname"] = target.database_name
        elif target_type == "AWS::RDS::DBInstance":
            target = rds.databases.get(target_id)
            if target is None:
                raise ValidationError(message=f"DB instance {target_id} not found")
            extra = {"engine": target.engine, "host": target.address, "port": target.port,
                     "dbInstanceIdentifier": target.db_instance_identifier}
        else:
            raise ValidationError(message=f"TargetType {target_type} is not supported by the emulator")
        current = sm.get_secret_value(secret_id, None, None)
        try:
            doc = json.loads(current.get("SecretString") or "{}")
        except ValueError:
            raise ValidationError(message="the secret's SecretString is not a JSON object") from None
        doc.update(extra)
        sm.put_secret_value(secret_id, json.dumps(doc), None, None, ["AWSCURRENT"])
        arn = sm.secrets[secret_id].arn if secret_id in sm.secrets else secret_id
        return cls(arn, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        return None


# --------------------------------------------------------------------------- RDS
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


class AuroraCluster(_WrapperWithAttributes, CloudFormationModel):
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
        encrypted = _bool(props.get("StorageEncrypted"))
        kms_key = props.get("KmsKeyId")
        if encrypted and not kms_key:
            kms_key = _aws_managed_key(account_id, region_name, "rds")
        subnet_group = _name(props.get("DBSubnetGroupName"))
        if subnet_group and subnet_group.lower() not in rds.subnet_groups:
            raise ValidationError(message=f"DBSubnetGroup '{subnet_group}' not found")
        pg_group = _name(props.get("DBClusterParameterGroupName"))
        if pg_group and pg_group.lower() not in rds.db_cluster_parameter_groups:
            raise ValidationError(message=f"DBClusterParameterGroup not found: {pg_group}")
        scaling = props.get("ServerlessV2ScalingConfiguration")
        azs = None
        if subnet_group:
            azs = sorted({s["SubnetAvailabilityZone"]["Name"] for s in rds.subnet_groups[subnet_group.lower()].subnets})
        kwargs_ = {
            "db_cluster_identifier": cluster_id,
            "engine": engine,
            "engine_version": props.get("EngineVersion"),
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
        cluster = rds.create_db_cluster(kwargs_)
        wrapper = cls(cluster.db_cluster_identifier, account_id, region_name, cluster)
        if engine == "aurora-postgresql":
            problem = pg_available()
            if problem:
                rds.delete_db_cluster(cluster.db_cluster_identifier)
                raise ValidationError(message=f"emulator data plane unavailable: {problem}")
            major = str(cluster.engine_version).split(".")[0]
            if major != "15":
                log.warning("cluster %s asks for PostgreSQL %s; the emulator runs 15", cluster_id, major)
            pgc = PgCluster(
                emulator_root(), cluster_id, int(cluster.port), cluster.master_username,
                kwargs_["master_user_password"], cluster.database_name,
                _group_params(rds, cluster.parameter_group),
            )
            try:
                pgc.create()
            except PgError as e:
                pgc.destroy()
                rds.delete_db_cluster(cluster.db_cluster_identifier)
                raise ValidationError(message=str(e)) from None
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
        rds.delete_db_cluster(self.physical_id)
        with _lock:
            pgc = PG_CLUSTERS.pop((account_id, region_name, self.physical_id), None)
        if pgc:
            pgc.destroy()


class AuroraInstance(_WrapperWithAttributes, CloudFormationModel):
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
            try:
                if instance.is_cluster_writer and not pgc.writer_running:
                    pgc.start_writer()
                elif not pgc.reader_running:
                    pgc.start_reader()
            except PgError as e:
                rds.delete_db_instance(instance.db_instance_identifier)
                raise ValidationError(message=str(e)) from None
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
        rds.delete_db_instance(self.physical_id)
        pgc = _pg(account_id, region_name, inst.db_cluster_identifier)
        if pgc is not None:
            if was_writer:
                pgc.stop_writer()
            else:
                pgc.stop_reader()


# --------------------------------------------------------------------------- CloudWatch, SNS, IAM
class MetricAlarm(_WrapperWithAttributes, CloudFormationModel):
    CFN_TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES: ClassVar[AttributeReaders] = {"Arn": lambda wrapper: wrapper.obj.alarm_arn}

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "MetricAlarm":
        p = cloudformation_json["Properties"]
        if "Metrics" in p:
            raise ValidationError(message="metric-math alarms are not supported by the emulator")
        cw = cloudwatch_backends[account_id][region_name]
        alarm = cw.put_metric_alarm(
            name=resource_name, namespace=p.get("Namespace"), metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"], evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p["Period"]) if "Period" in p else None, threshold=float(p["Threshold"]),
            statistic=p.get("Statistic"), description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []],
            alarm_actions=list(p.get("AlarmActions") or []),
            datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
            extended_statistic=p.get("ExtendedStatistic"), ok_actions=list(p.get("OKActions") or []),
            insufficient_data_actions=list(p.get("InsufficientDataActions") or []), unit=p.get("Unit"),
            actions_enabled=_bool(p.get("ActionsEnabled"), True), treat_missing_data=p.get("TreatMissingData"),
            tags=_tags(p),
        )
        return cls(alarm.name, account_id, region_name, alarm)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls, original_resource: Any, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> Any:
        if new_resource_name != original_resource.physical_id:
            return super().update_from_cloudformation_json(
                original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        # put_metric_alarm on an existing name updates it in place.
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_id])


class Topic(_WrapperWithAttributes, CloudFormationModel):
    CFN_TYPE = "AWS::SNS::Topic"
    NAME_PROPERTY = "TopicName"
    ATTRIBUTES: ClassVar[AttributeReaders] = {
        "TopicArn": lambda wrapper: wrapper.obj.arn,
        "TopicName": lambda wrapper: wrapper.obj.name,
    }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "Topic":
        p = cloudformation_json["Properties"]
        sns = sns_backends[account_id][region_name]
        attrs = {k: str(p[k]) for k in ("DisplayName", "KmsMasterKeyId", "FifoTopic") if k in p}
        topic = sns.create_topic(resource_name, attrs, {t["Key"]: t["Value"] for t in _tags(p)})
        for sub in p.get("Subscription") or []:
            sns.subscribe(topic.arn, sub["Endpoint"], sub["Protocol"])
        return cls(topic.arn, account_id, region_name, topic)

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].delete_topic(self.physical_id)


class IamRole(_WrapperWithAttributes, CloudFormationModel):
    """moto's Role, plus ManagedPolicyArns (which moto's model ignores)."""

    CFN_TYPE = "AWS::IAM::Role"
    NAME_PROPERTY = "RoleName"
    ATTRIBUTES: ClassVar[AttributeReaders] = {
        "Arn": lambda wrapper: wrapper.obj.arn,
        "RoleId": lambda wrapper: wrapper.obj.id,
    }

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "IamRole":
        props = cloudformation_json["Properties"]
        role = MotoRole.create_from_cloudformation_json(resource_name, cloudformation_json, account_id, region_name)
        iam = iam_backends[account_id][get_partition(region_name)]
        for arn in props.get("ManagedPolicyArns") or []:
            iam.attach_role_policy(arn, role.name)
        return cls(role.name, account_id, region_name, role)

    def delete(self, account_id: str, region_name: str) -> None:
        iam = iam_backends[account_id][get_partition(region_name)]
        role = iam.get_role(self.physical_id)
        for arn in list(role.managed_policies):
            iam.detach_role_policy(arn, role.name)
        for name in list(role.policies):
            iam.delete_role_policy(role.name, name)
        iam.delete_role(role.name)


# --------------------------------------------------------------------------- dynamic references
_DYNREF = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^{}]+)\}\}")


def _resolve_one(service: str, ref: str, account_id: str, region: str) -> str:
    if service == "secretsmanager":
        parts = ref.split(":")
        if parts[0] == "arn":
            secret_id, rest = ":".join(parts[:7]), parts[7:]
        else:
            secret_id, rest = parts[0], parts[1:]
        rest += [""] * (4 - len(rest))
        _kind, json_key, stage, version = rest[:4]
        sm = secretsmanager_backends[account_id][region]
        try:
            value = sm.get_secret_value(secret_id, version or None, stage or None)
        except Exception:  # noqa: BLE001
            raise ValidationError(
                message=f"Secrets Manager can't find the specified secret {secret_id} (dynamic reference)"
            ) from None
        text = value.get("SecretString") or ""
        if not json_key:
            return text
        try:
            doc = json.loads(text)
        except ValueError:
            raise ValidationError(message=f"secret {secret_id} is not JSON; cannot read key {json_key}") from None
        if json_key not in doc:
            raise ValidationError(message=f"Could not find SecretString key {json_key} in secret {secret_id}")
        return str(doc[json_key])
    name = ref.split(":")[0]
    param = ssm_backends[account_id][region].get_parameter(name)
    if param is None:
        raise ValidationError(message=f"SSM parameter {name} not found (dynamic reference)")
    return param.value


def resolve_dynamic_references(value: Any, account_id: str, region: str) -> Any:
    if isinstance(value, str) and "{{resolve:" in value:
        return _DYNREF.sub(lambda m: _resolve_one(m.group(1), m.group(2), account_id, region), value)
    if isinstance(value, dict):
        return {k: resolve_dynamic_references(v, account_id, region) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_dynamic_references(v, account_id, region) for v in value]
    return value


# --------------------------------------------------------------------------- stack lifecycle
def _references(node: Any, names: set[str]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "Ref" and isinstance(v, str) and v in names:
                found.add(v)
            elif k == "Fn::GetAtt":
                target = v[0] if isinstance(v, list) else str(v).split(".")[0]
                if target in names:
                    found.add(target)
            elif k == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                for var in re.findall(r"\$\{([^!}][^}]*)\}", str(text)):
                    base = var.split(".")[0]
                    if base in names:
                        found.add(base)
                if isinstance(v, list):
                    found |= _references(v[1], names)
            else:
                found |= _references(v, names)
    elif isinstance(node, list):
        for v in node:
            found |= _references(v, names)
    return found


def dependency_order(resources: dict[str, Any]) -> list[str]:
    names = set(resources)
    deps: dict[str, set[str]] = {}
    for name, body in resources.items():
        d = _references(body.get("Properties", {}), names)
        depends_on = body.get("DependsOn") or []
        d |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        deps[name] = d - {name}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, path: tuple[str, ...]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise ValidationError(message=f"Circular dependency between resources: {list(path)}")
        state[n] = 1
        for d in sorted(deps.get(n, ()), key=list(resources).index):
            if d not in names:
                raise ValidationError(message=f"Template format error: Unresolved resource dependencies [{d}]")
            visit(d, path + (d,))
        state[n] = 2
        order.append(n)

    for n in resources:
        visit(n, (n,))
    return order


def _reason(exc: BaseException) -> str:
    for attr in ("message", "description"):
        text = getattr(exc, attr, None)
        if isinstance(text, str) and text.strip():
            return " ".join(text.split())
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _resource_event(stack: Stack, logical_id: str, rtype: str, status: str, physical: str = "",
                    reason: str | None = None) -> None:
    event = Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=physical, resource_type=rtype, resource_status=status,
        resource_status_reason=reason, resource_properties=None,
    )
    stack.events.append(event)


def _physical(instance: Any) -> str:
    return str(getattr(instance, "physical_resource_id", "") or "")


def _delete_resources(stack: Stack, prefix: str) -> str | None:
    """Delete the stack's created resources in reverse dependency order.
    Returns the reason of the first failure, or None."""
    rm = stack.resource_map
    resources = rm._resource_json_map
    failure = None
    for logical in reversed(dependency_order(resources)):
        instance = rm._parsed_resources.get(logical)
        if instance is None or isinstance(instance, (str, int, float, list, dict)):
            continue
        body = resources[logical]
        rtype = body["Type"]
        policy = body.get("DeletionPolicy", "Delete")
        if policy == "Retain":
            _resource_event(stack, logical, rtype, f"{prefix}_SKIPPED", _physical(instance), "Retained (DeletionPolicy Retain)")
            rm._parsed_resources.pop(logical, None)
            continue
        _resource_event(stack, logical, rtype, f"{prefix}_IN_PROGRESS", _physical(instance))
        try:
            if policy == "Snapshot" and hasattr(instance, "snapshot"):
                instance.snapshot(logical)
            rm._delete_resource(instance, body)
        except Exception as e:  # noqa: BLE001
            reason = _reason(e)
            _resource_event(stack, logical, rtype, f"{prefix}_FAILED", _physical(instance), reason)
            failure = failure or f"{logical}: {reason}"
            continue
        rm._parsed_resources.pop(logical, None)
        _resource_event(stack, logical, rtype, f"{prefix}_COMPLETE", _physical(instance))
    return failure


def _create_resources(self: Stack) -> None:
    self.status = "CREATE_IN_PROGRESS"
    rm = self.resource_map
    template = self.template_dict
    rm._template = template
    rm._resource_json_map = template.get("Resources", {})
    rm.tags.update({"aws:cloudformation:stack-name": self.name, "aws:cloudformation:stack-id": self.stack_id})
    self.description = template.get("Description")
    failed: tuple[str, str] | None = None
    try:
        order = dependency_order(rm._resource_json_map)
    except Exception as e:  # noqa: BLE001
        order, failed = [], ("", _reason(e))
    for logical in order:
        body = rm._resource_json_map[logical]
        rtype = body["Type"]
        if body.get("Condition") and not rm.lazy_condition_map[body["Condition"]]:
            continue
        _resource_event(self, logical, rtype, "CREATE_IN_PROGRESS")
        try:
            if parsing.resource_class_from_type(rtype) is None:
                raise ValidationError(message=f"Resource type {rtype} is not supported by the tapcheck emulator")
            instance = rm[logical]
        except Exception as e:  # noqa: BLE001
            reason = _reason(e)
            _resource_event(self, logical, rtype, "CREATE_FAILED", reason=reason)
            failed = (logical, reason)
            break
        _resource_event(self, logical, rtype, "CREATE_COMPLETE", _physical(instance))
    if failed is None:
        try:
            self.output_map = self._create_output_map()
            for key in self.output_map.outputs:
                self.output_map[key]
        except Exception as e:  # noqa: BLE001
            failed = ("", f"Outputs: {_reason(e)}")
    if failed is None:
        self.status = "CREATE_COMPLETE"
        self._add_stack_event("CREATE_COMPLETE")
        return
    logical, reason = failed
    summary = f"The following resource(s) failed to create: [{logical}]. " if logical else reason + ". "
    self.status = "ROLLBACK_IN_PROGRESS"
    self._add_stack_event("ROLLBACK_IN_PROGRESS", summary + "Rollback requested by user.")
    problem = _delete_resources(self, "DELETE")
    if problem:
        self.status = "ROLLBACK_FAILED"
        self._add_stack_event("ROLLBACK_FAILED", f"The following resource(s) failed to delete: {problem}")
    else:
        self.status = "ROLLBACK_COMPLETE"
        self._add_stack_event("ROLLBACK_COMPLETE")


def _stack_delete(self: Stack) -> None:
    self._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
    problem = _delete_resources(self, "DELETE")
    if problem:
        self.status = "DELETE_FAILED"
        self._add_stack_event("DELETE_FAILED", f"The following resource(s) failed to delete: {problem}")
        return
    self._add_stack_event("DELETE_COMPLETE")
    self.status = "DELETE_COMPLETE"


def _changed(old: dict[str, Any], new: dict[str, Any], old_params: dict[str, Any],
             new_params: dict[str, Any]) -> bool:
    if old != new:
        return True
    refs = set(parsing.get_references_from_template(new))
    text = json.dumps(new)
    refs |= {m for m in re.findall(r"\$\{([^}.!]+)\}", text)}
    return any(old_params.get(r) != new_params.get(r) for r in refs if r in new_params)


def _stack_update(self: Stack, template: str, role_arn: str | None = None,
                  parameters: dict[str, Any] | None = None, tags: dict[str, str] | None = None) -> None:
    """Update as CloudFormation does: add and modify in dependency order, remove what the
    new template dropped in a cleanup phase, and roll back on the first failure."""
    import copy

    rm = self.resource_map
    self._add_stack_event("UPDATE_IN_PROGRESS", "User Initiated")
    self.status = "UPDATE_IN_PROGRESS"
    old_template, old_doc = self.template, copy.deepcopy(self.template_dict)
    old_json = copy.deepcopy(rm._resource_json_map)
    old_params = dict(rm.resolved_parameters)
    old_inputs = dict(rm.input_parameters)
    new_doc = self.parse_template(template)
    rm._template = new_doc
    if parameters is not None:
        rm.input_parameters = parameters
    rm.resolved_parameters = {}
    failed: tuple[str, str] | None = None
    done: list[tuple[str, str]] = []  # (logical id, "add" | "modify")
    try:
        rm.load_mapping()
        rm.load_parameters()
        rm.load_conditions()
        rm.validate_outputs()
        new_json = new_doc.get("Resources", {})
        order = dependency_order(new_json)
    except Exception as e:  # noqa: BLE001
        failed, order, new_json = ("", _reason(e)), [], old_json
    new_params = dict(rm.resolved_parameters)
    rm._resource_json_map = new_json
    for logical in order:
        body = new_json[logical]
        rtype = body["Type"]
        try:
            if logical not in old_json or logical not in rm._parsed_resources:
                _resource_event(self, logical, rtype, "CREATE_IN_PROGRESS")
                if parsing.resource_class_from_type(rtype) is None:
                    raise ValidationError(message=f"Resource type {rtype} is not supported by the tapcheck emulator")
                instance = rm[logical]
                done.append((logical, "add"))
                _resource_event(self, logical, rtype, "CREATE_COMPLETE", _physical(instance))
            elif _changed(old_json[logical], body, old_params, new_params):
                _resource_event(self, logical, rtype, "UPDATE_IN_PROGRESS", _physical(rm._parsed_resources[logical]))
                instance = parsing.parse_and_update_resource(logical, body, rm, rm._account_id, rm._region_name)
                if instance is None:
                    raise ValidationError(message=f"Update of {rtype} is not supported by the emulator")
                rm._parsed_resources[logical] = instance
                done.append((logical, "modify"))
                _resource_event(self, logical, rtype, "UPDATE_COMPLETE", _physical(instance))
        except Exception as e:  # noqa: BLE001
            reason = _reason(e)
            _resource_event(self, logical, rtype, "UPDATE_FAILED" if logical in old_json else "CREATE_FAILED",
                            reason=reason)
            failed = (logical, reason)
            break
    if failed is None:
        self.template = template
        self._parse_template()
        self.output_map = self._create_output_map()
        self.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
        self._add_stack_event("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        removed = {k: v for k, v in old_json.items() if k not in new_json}
        for logical in reversed(dependency_order(removed)) if removed else []:
            instance = rm._parsed_resources.pop(logical, None)
            if instance is None or removed[logical].get("DeletionPolicy") == "Retain":
                continue
            rtype = removed[logical]["Type"]
            _resource_event(self, logical, rtype, "DELETE_IN_PROGRESS", _physical(instance))
            try:
                rm._delete_resource(instance, removed[logical])
                _resource_event(self, logical, rtype, "DELETE_COMPLETE", _physical(instance))
            except Exception as e:  # noqa: BLE001 - AWS logs it and completes the update
                _resource_event(self, logical, rtype, "DELETE_FAILED", _physical(instance), _reason(e))
        self.role_arn = role_arn
        if parameters is not None:
            self.parameters = parameters
        if tags is not None:
            self.tags = tags
        self.status = "UPDATE_COMPLETE"
        self._add_stack_event("UPDATE_COMPLETE")
        return
    # Roll back: delete what was added, restore what was modified.
    self.status = "UPDATE_ROLLBACK_IN_PROGRESS"
    logical, reason = failed
    self._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS",
                          f"The following resource(s) failed to update: [{logical}]. " if logical else reason)
    rm._template, rm.input_parameters = old_doc, old_inputs
    rm.resolved_parameters = {}
    rm.load_mapping()
    rm.load_parameters()
    rm.load_conditions()
    rm._resource_json_map = old_json
    problem = None
    for name, action in reversed(done):
        rtype = (old_json.get(name) or new_json.get(name, {})).get("Type", "")
        try:
            if action == "add":
                instance = rm._parsed_resources.pop(name)
                _resource_event(self, name, rtype, "DELETE_IN_PROGRESS", _physical(instance))
                rm._delete_resource(instance, new_json[name])
                _resource_event(self, name, rtype, "DELETE_COMPLETE", _physical(instance))
            else:
                instance = parsing.parse_and_update_resource(name, old_json[name], rm, rm._account_id,
                                                             rm._region_name)
                rm._parsed_resources[name] = instance
                _resource_event(self, name, rtype, "UPDATE_COMPLETE", _physical(instance))
        except Exception as e:  # noqa: BLE001
            problem = f"{name}: {_reason(e)}"
            _resource_event(self, name, rtype, "UPDATE_FAILED", reason=_reason(e))
    self.template = old_template
    self._parse_template()
    self.output_map = self._create_output_map()
    self.status = "UPDATE_ROLLBACK_FAILED" if problem else "UPDATE_ROLLBACK_COMPLETE"
    self._add_stack_event(self.status, problem)


def _resolve_update_parameters(self: CloudFormationBackend, instance: Any,
                               incoming_params: list[dict[str, str]]) -> dict[str, str]:
    """UsePreviousValue takes the previous value even when it came from a Default."""
    previous_values = dict(getattr(getattr(instance, "resource_map", None), "resolved_parameters", {}) or {})
    previous_values.update(instance.parameters or {})
    params = {p["ParameterKey"]: p["ParameterValue"] for p in incoming_params if "ParameterValue" in p}
    for p in incoming_params:
        if p.get("UsePreviousValue"):
            value = previous_values[p["ParameterKey"]]
            params[p["ParameterKey"]] = ",".join(value) if isinstance(value, list) else str(value)
    return params


def _create_stack(self: CloudFormationBackend, name: str, template: str, parameters: dict[str, Any],
                  notification_arns: list[str] | None = None, tags: dict[str, str] | None = None,
                  role_arn: str | None = None, enable_termination_protection: bool | None = False,
                  timeout_in_mins: int | None = None, stack_policy_body: str | None = None) -> Stack:
    from moto.cloudformation.exceptions import AlreadyExistsException
    from moto.cloudformation.utils import generate_stack_id

    if name in [stack.name for stack in self.stacks.values()]:
        raise AlreadyExistsException(f"Stack [{name}] already exists")
    stack_id = generate_stack_id(name, self.region_name, self.account_id)
    stack = Stack(
        stack_id=stack_id, name=name, template=template, parameters=parameters, account_id=self.account_id,
        region_name=self.region_name, notification_arns=notification_arns, tags=tags, role_arn=role_arn,
        cross_stack_resources=self.exports, enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins, stack_policy_body=stack_policy_body,
    )
    self.stacks[stack_id] = stack
    stack._add_stack_event("CREATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.create_resources()
    if stack.status == "CREATE_COMPLETE":
        clash = [e.name for e in stack.exports if e.name in self.exports]
        if clash:
            stack._add_stack_event("ROLLBACK_IN_PROGRESS", f"Export with name {clash[0]} is already exported")
            _delete_resources(stack, "DELETE")
            stack.status = "ROLLBACK_COMPLETE"
            stack._add_stack_event("ROLLBACK_COMPLETE")
        else:
            for export in stack.exports:
                self.exports[export.name] = export
    return stack


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    stack = self.stacks.get(name_or_stack_id)
    if stack is None:
        stack = next((s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None:
        return  # AWS: deleting a stack that does not exist succeeds silently
    export_names = [e.name for e in stack.exports]
    stack.delete()
    if stack.status == "DELETE_FAILED":
        return
    self.stacks.pop(stack.stack_id, None)
    self.deleted_stacks[stack.stack_id] = stack
    for export_name in export_names:
        self.exports.pop(export_name, None)


# --------------------------------------------------------------------------- live parameter changes
def _sync_cluster_params(rds: RDSBackend, cluster: DBCluster) -> None:
    pgc = _pg(rds.account_id, rds.region_name, cluster.db_cluster_identifier)
    if pgc is not None:
        pgc.apply_parameters(_group_params(rds, cluster.parameter_group))


def install() -> None:
    """Patch moto's stack lifecycle and RDS backend (idempotent)."""
    if getattr(Stack, "_tapcheck_installed", False):
        return
    Stack._tapcheck_installed = True  # type: ignore[attr-defined]
    Stack.create_resources = _create_resources  # type: ignore[method-assign]
    Stack.delete = _stack_delete  # type: ignore[method-assign]
    Stack.update = _stack_update  # type: ignore[method-assign]
    CloudFormationBackend._resolve_update_parameters = _resolve_update_parameters  # type: ignore[method-assign]
    CloudFormationBackend.create_stack = _create_stack  # type: ignore[method-assign]
    CloudFormationBackend.delete_stack = _delete_stack  # type: ignore[method-assign]

    original_parse = parsing.parse_resource

    def parse_resource(resource_json: dict[str, Any], resources_map: Any) -> Any:
        result = original_parse(resource_json, resources_map)
        if not result:
            return result
        cls, cleaned, rtype = result
        cleaned = resolve_dynamic_references(cleaned, resources_map._account_id, resources_map._region_name)
        return cls, cleaned, rtype

    parsing.parse_resource = parse_resource

    orig_outputs, orig_exports = Stack.outputs, Stack.exports
    complete = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "UPDATE_IN_PROGRESS",
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")

    # moto evaluates outputs and resources lazily, creating missing resources on access;
    # a rolled-back or deleted stack must show neither outputs nor re-created resources.
    def outputs(self: Stack) -> Any:
        return orig_outputs.fget(self) if self.status in complete else None  # type: ignore[union-attr]

    def exports(self: Stack) -> Any:
        return orig_exports.fget(self) if self.status in complete else []  # type: ignore[union-attr]

    def stack_resources(self: Stack) -> Any:
        rm = self.resource_map
        return [v for k, v in rm._parsed_resources.items()
                if k in rm._resource_json_map and isinstance(v, CloudFormationModel)]

    Stack.outputs = property(outputs)  # type: ignore[assignment,method-assign]
    Stack.exports = property(exports)  # type: ignore[assignment,method-assign]
    Stack.stack_resources = property(stack_resources)  # type: ignore[assignment,method-assign]

    orig_endpoint, orig_reader = DBCluster.endpoint, DBCluster.reader_endpoint

    def endpoint(self: DBCluster) -> str:
        pgc = _pg(self.account_id, self.region, self.db_cluster_identifier)
        return pgc.writer_host if pgc else orig_endpoint.fget(self)  # type: ignore[union-attr]

    def reader_endpoint(self: DBCluster) -> str:
        pgc = _pg(self.account_id, self.region, self.db_cluster_identifier)
        return pgc.reader_host if pgc else orig_reader.fget(self)  # type: ignore[union-attr]

    DBCluster.endpoint = property(endpoint)  # type: ignore[assignment,method-assign]
    DBCluster.reader_endpoint = property(reader_endpoint)  # type: ignore[assignment,method-assign]

    orig_modify_group = RDSBackend.modify_db_cluster_parameter_group
    orig_modify_cluster = RDSBackend.modify_db_cluster

    def modify_db_cluster_parameter_group(self: RDSBackend, name: str, params: Any) -> Any:
        group = orig_modify_group(self, name, params)
        for cluster in list(self.clusters.values()):
            if cluster.parameter_group == name:
                _sync_cluster_params(self, cluster)
        return group

    def modify_db_cluster(self: RDSBackend, kwargs: dict[str, Any]) -> Any:
        cluster = orig_modify_cluster(self, kwargs)
        _sync_cluster_params(self, cluster)
        return cluster

    RDSBackend.modify_db_cluster_parameter_group = modify_db_cluster_parameter_group  # type: ignore[method-assign]
    RDSBackend.modify_db_cluster = modify_db_cluster  # type: ignore[method-assign]


def shutdown() -> None:
    """Destroy every emulated cluster's PostgreSQL and data."""
    with _lock:
        clusters = list(PG_CLUSTERS.values())
        PG_CLUSTERS.clear()
    for pgc in clusters:
        try:
            pgc.destroy()
        except Exception:  # noqa: BLE001
            log.exception("destroying %s", pgc.name)
