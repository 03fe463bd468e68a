"""THE table of drift-checkable properties: every value the template can set on a resource of the
stack that an operator can change later with one AWS API call, with how to read it back.

A row: the CloudFormation type and property path (a last element "*" stands for every key the template
sets under that path that no other row of the type names: tags, DB parameters); the check whose
requirements it belongs to (a property no requirement's sentence names belongs to the requirement that
owns its resource); how to read the live value from a describe call (reader.py); how to normalise both
sides so that equal meanings compare equal (normalise.py); the operator's call(s) that change it, and
the AWS page of the first, which documents the parameter and is the fix. `default` is the value
CloudFormation gives a property the template omits, for the two the requirements rely on (an enabled
key, enabled alarm actions); any other property the template omits has no row (the requirement probes
judge those defaults).

Properties the template sets that have no row, and why, are listed in docs/drift.md: the create-only
ones (names, Engine, StorageEncrypted, DBSubnetGroupName, ...: no API call changes them), the master
password (no API reads it back), PendingWindowInDays (used only when the key is deleted).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tapcheck.live.drift import normalise as n
from tapcheck.live.drift.reader import Reader

ABSENT = object()
ANY = "*"

RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/"
MODIFY_CLUSTER = RDS + "API_ModifyDBCluster.html"
MODIFY_INSTANCE = RDS + "API_ModifyDBInstance.html"
RDS_TAGS = RDS + "API_AddTagsToResource.html"
ALARM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/"
PUT_ALARM = ALARM + "API_PutMetricAlarm.html"
KMS = "https://docs.aws.amazon.com/kms/latest/APIReference/"
IAM = "https://docs.aws.amazon.com/IAM/latest/APIReference/"
SNS = "https://docs.aws.amazon.com/sns/latest/api/"
SECRETS = "https://docs.aws.amazon.com/secretsmanager/latest/apireference/"
LOGS = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/"

Read = Callable[[Reader, str, str], Any]  # (reader, physical id, key of a "*" row) -> live value


@dataclass(frozen=True)
class Row:
    type: str
    path: tuple[str, ...]
    check: str
    read: Read
    normalise: Callable[[Any], Any]
    calls: tuple[str, ...]
    page: str
    default: Any = ABSENT
    resolve: Callable[[Reader, Any], Any] | None = None  # both sides, before normalise (key references)
    same: Callable[[Any, Any], bool] | None = None  # (template, live) when equal is not ==
    # (template, live) -> a note when the difference is AWS's own doing and no call could undo it: the
    # value holds, reported with what to change in the template
    note: Callable[[Any, Any], str | None] | None = None
    one_way: str = ""  # which way the calls can move the value, when only one way ("upgrade only")

    @property
    def label(self) -> str:
        return ".".join(self.path)


_CALLS = {
    "cluster": "rds:DescribeDBClusters",
    "instance": "rds:DescribeDBInstances",
    "subnet_group": "rds:DescribeDBSubnetGroups",
    "secret": "secretsmanager:DescribeSecret",
    "role": "iam:GetRole",
    "key": "kms:DescribeKey",
    "topic": "sns:GetTopicAttributes",
    "alarm": "cloudwatch:DescribeAlarms",
    "log_group": "logs:DescribeLogGroups",
}


def _reads(source: str, read: Read) -> Read:
    """read, documented by where its value comes from (docs/drift.md shows it)."""
    read.__doc__ = source
    return read


def _field(describe: str, name: str, call: str | None = None) -> Read:
    return _reads(
        f"{call or _CALLS[describe]} {name}", lambda reader, pid, key: getattr(reader, describe)(pid).get(name)
    )


def _engine_version_same(template: Any, live: Any) -> bool:
    """A template that gives EngineVersion as a major only ("15") leaves the minor to RDS, which reports the
    full version it runs; so the template's value is held by any minor of it. What RDS picks for a major
    alone: docs silent (API_CreateDBCluster.html documents EngineVersion without saying)."""
    return template == live or (isinstance(template, str) and isinstance(live, str) and live.startswith(template + "."))


def _version(text: Any) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in str(text).split("."))
    except ValueError:
        return None


# ModifyDBCluster's EngineVersion is "The version number of the database engine to which you want to
# upgrade." (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html): no call
# moves a cluster to an older version. With automatic minor version upgrades on, "Aurora automatically
# upgrades to the default minor version or a newer minor version"
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.VersionPolicy.Upgrading.html).
ENGINE_VERSION_ONE_WAY = "upgrade only: ModifyDBCluster's EngineVersion is the version to which you want to upgrade"


def _engine_minor_upgraded(template: Any, live: Any) -> str | None:
    """A newer minor of the pinned major, running live: AWS's automatic minor version upgrade, not drift."""
    pinned, running = _version(template), _version(live)
    if pinned is None or running is None or len(pinned) < 2 or running[0] != pinned[0] or running <= pinned:
        return None
    return (
        f"AWS upgraded the minor ({template} -> {live}: automatic minor version upgrade); update the template's "
        f"pin to {live} (no call sets {template} back: {ENGINE_VERSION_ONE_WAY})"
    )


def _tag_rows(rtype: str, read_tags: Read, calls: tuple[str, ...], page: str) -> list[Row]:
    """The Name tag belongs to S5 (names and Name tags carry the suffix), every other tag to R10."""

    def read(reader: Reader, pid: str, key: str) -> Any:
        return n.tags(read_tags(reader, pid, key)).get(key)

    _reads(f"{read_tags.__doc__}[key]", read)
    return [
        Row(rtype, ("Tags", "Name"), "names-carry-suffix", read, n.text, calls, page),
        Row(rtype, ("Tags", ANY), "required-tags", read, n.text, calls, page),
    ]


CLUSTER, INSTANCE = "AWS::RDS::DBCluster", "AWS::RDS::DBInstance"
PARAMS, SUBNETS = "AWS::RDS::DBClusterParameterGroup", "AWS::RDS::DBSubnetGroup"
SECRET, ROLE, KEY, TOPIC = "AWS::SecretsManager::Secret", "AWS::IAM::Role", "AWS::KMS::Key", "AWS::SNS::Topic"
ALARM_TYPE, LOG_GROUP = "AWS::CloudWatch::Alarm", "AWS::Logs::LogGroup"
_RDS_TAG_CALLS = ("rds:AddTagsToResource", "rds:RemoveTagsFromResource")


def _cluster_rows() -> list[Row]:
    c, modify = "cluster", ("rds:ModifyDBCluster",)
    return [
        Row(
            CLUSTER,
            ("EngineVersion",),
            "engine-version",
            _field(c, "EngineVersion"),
            n.text,
            modify,
            MODIFY_CLUSTER,
            same=_engine_version_same,
            note=_engine_minor_upgraded,
            one_way=ENGINE_VERSION_ONE_WAY,
        ),
        # Aurora upgrades the minor only when the cluster and every instance allow it (AWS Config's
        # rds-automatic-minor-version-upgrade-enabled: "For Amazon Aurora clusters, automatic minor version
        # upgrades require that all instances in the cluster and the cluster itself have this setting enabled")
        Row(
            CLUSTER,
            ("AutoMinorVersionUpgrade",),
            "engine-version",
            _field(c, "AutoMinorVersionUpgrade"),
            n.boolean,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("DBClusterParameterGroupName",),
            "parameter-group-attached",
            _field(c, "DBClusterParameterGroup"),
            n.lower,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("VpcSecurityGroupIds",),
            "security-group",
            _reads(
                "rds:DescribeDBClusters VpcSecurityGroups[].VpcSecurityGroupId",
                lambda r, pid, key: [g["VpcSecurityGroupId"] for g in r.cluster(pid).get("VpcSecurityGroups") or []],
            ),
            n.id_set,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("DeletionProtection",),
            "cluster-deletion-protection-off",
            _field(c, "DeletionProtection"),
            n.boolean,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("BackupRetentionPeriod",),
            "backup-retention",
            _field(c, "BackupRetentionPeriod"),
            n.integer,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("PreferredBackupWindow",),
            "backup-window",
            _field(c, "PreferredBackupWindow"),
            n.lower,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("PreferredMaintenanceWindow",),
            "maintenance-window",
            _field(c, "PreferredMaintenanceWindow"),
            n.lower,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("EnableCloudwatchLogsExports",),
            "postgresql-log-export",
            _field(c, "EnabledCloudwatchLogsExports"),
            n.id_set,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("ServerlessV2ScalingConfiguration", "MinCapacity"),
            "capacity",
            _reads(
                "rds:DescribeDBClusters ServerlessV2ScalingConfiguration.MinCapacity",
                lambda r, pid, key: (r.cluster(pid).get("ServerlessV2ScalingConfiguration") or {}).get("MinCapacity"),
            ),
            n.number,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("ServerlessV2ScalingConfiguration", "MaxCapacity"),
            "capacity",
            _reads(
                "rds:DescribeDBClusters ServerlessV2ScalingConfiguration.MaxCapacity",
                lambda r, pid, key: (r.cluster(pid).get("ServerlessV2ScalingConfiguration") or {}).get("MaxCapacity"),
            ),
            n.number,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("EnableIAMDatabaseAuthentication",),
            "iam-auth",
            _field(c, "IAMDatabaseAuthenticationEnabled"),
            n.boolean,
            modify,
            MODIFY_CLUSTER,
        ),
        Row(
            CLUSTER,
            ("CopyTagsToSnapshot",),
            "copy-tags",
            _field(c, "CopyTagsToSnapshot"),
            n.boolean,
            modify,
            MODIFY_CLUSTER,
        ),
        *_tag_rows(CLUSTER, _field(c, "TagList"), _RDS_TAG_CALLS, RDS_TAGS),
    ]


def _instance_rows() -> list[Row]:
    i, modify = "instance", ("rds:ModifyDBInstance",)
    return [
        Row(
            INSTANCE,
            ("DBInstanceClass",),
            "serverless-instances",
            _field(i, "DBInstanceClass"),
            n.text,
            modify,
            MODIFY_INSTANCE,
        ),
        Row(
            INSTANCE,
            ("PubliclyAccessible",),
            "instances-private",
            _field(i, "PubliclyAccessible"),
            n.boolean,
            modify,
            MODIFY_INSTANCE,
        ),
        Row(
            INSTANCE,
            ("AutoMinorVersionUpgrade",),
            "engine-version",
            _field(i, "AutoMinorVersionUpgrade"),
            n.boolean,
            modify,
            MODIFY_INSTANCE,
        ),
        Row(
            INSTANCE,
            ("MonitoringInterval",),
            "enhanced-monitoring",
            _field(i, "MonitoringInterval"),
            n.integer,
            modify,
            MODIFY_INSTANCE,
        ),
        Row(
            INSTANCE,
            ("MonitoringRoleArn",),
            "enhanced-monitoring",
            _field(i, "MonitoringRoleArn"),
            n.text,
            modify,
            MODIFY_INSTANCE,
        ),
        *_tag_rows(INSTANCE, _field(i, "TagList"), _RDS_TAG_CALLS, RDS_TAGS),
    ]


def _parameter_group_rows() -> list[Row]:
    modify = ("rds:ModifyDBClusterParameterGroup",)
    page = RDS + "API_ModifyDBClusterParameterGroup.html"

    def parameter(r: Reader, pid: str, key: str) -> Any:
        """rds:DescribeDBClusterParameters Parameters[ParameterName=key].ParameterValue"""
        return r.cluster_parameters(pid).get(key)

    def group_tags(r: Reader, pid: str, key: str) -> Any:
        """rds:ListTagsForResource (the group's ARN) TagList"""
        return r.rds_tags(r.cluster_parameter_group(pid)["DBClusterParameterGroupArn"])

    return [
        Row(PARAMS, ("Parameters", "log_statement"), "log-statement-all", parameter, n.parameter_value, modify, page),
        Row(PARAMS, ("Parameters", "rds.force_ssl"), "force-ssl", parameter, n.parameter_value, modify, page),
        Row(PARAMS, ("Parameters", ANY), "parameter-group-family", parameter, n.parameter_value, modify, page),
        *_tag_rows(PARAMS, group_tags, _RDS_TAG_CALLS, RDS_TAGS),
    ]


def _subnet_group_rows() -> list[Row]:
    modify, page = ("rds:ModifyDBSubnetGroup",), RDS + "API_ModifyDBSubnetGroup.html"

    def group_tags(r: Reader, pid: str, key: str) -> Any:
        """rds:ListTagsForResource (the group's ARN) TagList"""
        return r.rds_tags(r.subnet_group(pid)["DBSubnetGroupArn"])

    return [
        Row(
            SUBNETS,
            ("SubnetIds",),
            "subnets-from-parameters",
            _reads(
                "rds:DescribeDBSubnetGroups Subnets[].SubnetIdentifier",
                lambda r, pid, key: [s["SubnetIdentifier"] for s in r.subnet_group(pid).get("Subnets") or []],
            ),
            n.id_set,
            modify,
            page,
        ),
        Row(
            SUBNETS,
            ("DBSubnetGroupDescription",),
            "subnets-from-parameters",
            _field("subnet_group", "DBSubnetGroupDescription"),
            n.text,
            modify,
            page,
        ),
        *_tag_rows(SUBNETS, group_tags, _RDS_TAG_CALLS, RDS_TAGS),
    ]


def _secret_rows() -> list[Row]:
    return [
        Row(
            SECRET,
            ("Description",),
            "secret-attached",
            _field("secret", "Description"),
            n.text,
            ("secretsmanager:UpdateSecret",),
            SECRETS + "API_UpdateSecret.html",
        ),
        *_tag_rows(
            SECRET,
            _field("secret", "Tags"),
            ("secretsmanager:TagResource", "secretsmanager:UntagResource"),
            SECRETS + "API_TagResource.html",
        ),
    ]


def _role_rows() -> list[Row]:
    return [
        Row(
            ROLE,
            ("Description",),
            "enhanced-monitoring",
            _field("role", "Description"),
            n.text,
            ("iam:UpdateRoleDescription",),
            IAM + "API_UpdateRoleDescription.html",
        ),
        Row(
            ROLE,
            ("AssumeRolePolicyDocument",),
            "enhanced-monitoring",
            _field("role", "AssumeRolePolicyDocument"),
            n.policy,
            ("iam:UpdateAssumeRolePolicy",),
            IAM + "API_UpdateAssumeRolePolicy.html",
        ),
        Row(
            ROLE,
            ("ManagedPolicyArns",),
            "enhanced-monitoring",
            _reads(
                "iam:ListAttachedRolePolicies AttachedPolicies[].PolicyArn",
                lambda r, pid, key: r.role(pid)["AttachedPolicyArns"],
            ),
            n.id_set,
            ("iam:DetachRolePolicy", "iam:AttachRolePolicy"),
            IAM + "API_DetachRolePolicy.html",
        ),
        *_tag_rows(
            ROLE, _field("role", "Tags", "iam:ListRoleTags"), ("iam:TagRole", "iam:UntagRole"), IAM + "API_TagRole.html"
        ),
    ]


def _key_rows() -> list[Row]:
    owner = "alarm-topic-deliverable"
    return [
        Row(
            KEY,
            ("Description",),
            owner,
            _field("key", "Description"),
            n.text,
            ("kms:UpdateKeyDescription",),
            KMS + "API_UpdateKeyDescription.html",
        ),
        Row(
            KEY,
            ("EnableKeyRotation",),
            owner,
            _field("key", "KeyRotationEnabled", "kms:GetKeyRotationStatus"),
            n.boolean,
            ("kms:DisableKeyRotation", "kms:EnableKeyRotation"),
            KMS + "API_DisableKeyRotation.html",
        ),
        Row(
            KEY,
            ("KeyPolicy",),
            owner,
            _field("key", "Policy", "kms:GetKeyPolicy"),
            n.policy,
            ("kms:PutKeyPolicy",),
            KMS + "API_PutKeyPolicy.html",
        ),
        # Enabled: "Specifies whether the KMS key is enabled ... default true"
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html)
        Row(
            KEY,
            ("Enabled",),
            owner,
            _field("key", "Enabled"),
            n.boolean,
            ("kms:DisableKey", "kms:EnableKey"),
            KMS + "API_DisableKey.html",
            default=True,
        ),
        *_tag_rows(
            KEY,
            _field("key", "Tags", "kms:ListResourceTags"),
            ("kms:TagResource", "kms:UntagResource"),
            KMS + "API_TagResource.html",
        ),
    ]


def _topic_rows() -> list[Row]:
    set_attributes, page = ("sns:SetTopicAttributes",), SNS + "API_SetTopicAttributes.html"
    return [
        Row(TOPIC, ("DisplayName",), "alarm-notifies", _field("topic", "DisplayName"), n.text, set_attributes, page),
        Row(
            TOPIC,
            ("KmsMasterKeyId",),
            "alarm-topic-deliverable",
            _field("topic", "KmsMasterKeyId"),
            n.text,
            set_attributes,
            page,
            resolve=lambda r, value: r.key_id(value),
        ),
        *_tag_rows(
            TOPIC,
            _field("topic", "Tags", "sns:ListTagsForResource"),
            ("sns:TagResource", "sns:UntagResource"),
            SNS + "API_TagResource.html",
        ),
    ]


def _alarm_rows() -> list[Row]:
    put = ("cloudwatch:PutMetricAlarm",)

    def row(prop: str, check: str, normalise: Callable[[Any], Any], **extra: Any) -> Row:
        return Row(
            ALARM_TYPE,
            (prop,),
            check,
            _field("alarm", prop),
            normalise,
            extra.pop("calls", put),
            extra.pop("page", PUT_ALARM),
            **extra,
        )

    return [
        row("AlarmDescription", "cpu-alarm-duration", n.text),
        row("MetricName", "cpu-alarm", n.text),
        row("Namespace", "cpu-alarm", n.text),
        row("Dimensions", "cpu-alarm", n.dimensions),
        row("Statistic", "cpu-alarm-duration", n.text),
        row("Period", "cpu-alarm-duration", n.integer),
        row("EvaluationPeriods", "cpu-alarm-duration", n.integer),
        row("DatapointsToAlarm", "cpu-alarm-duration", n.integer),
        row("TreatMissingData", "cpu-alarm-duration", n.text),
        row("Threshold", "cpu-alarm-threshold", n.number),
        row("ComparisonOperator", "cpu-alarm-threshold", n.text),
        row("AlarmActions", "alarm-notifies", n.id_set),
        row("OKActions", "alarm-notifies", n.id_set),
        # ActionsEnabled: "The default is TRUE"
        # (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html)
        row(
            "ActionsEnabled",
            "alarm-notifies",
            n.boolean,
            default=True,
            calls=("cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"),
            page=ALARM + "API_DisableAlarmActions.html",
        ),
        *_tag_rows(
            ALARM_TYPE,
            _field("alarm", "Tags", "cloudwatch:ListTagsForResource"),
            ("cloudwatch:TagResource", "cloudwatch:UntagResource"),
            ALARM + "API_TagResource.html",
        ),
    ]


def _log_group_rows() -> list[Row]:
    return [
        Row(
            LOG_GROUP,
            ("RetentionInDays",),
            "postgresql-log-group",
            _field("log_group", "retentionInDays"),
            n.integer,
            ("logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"),
            LOGS + "API_PutRetentionPolicy.html",
        ),
        *_tag_rows(
            LOG_GROUP,
            _field("log_group", "tags", "logs:ListTagsForResource"),
            ("logs:TagResource", "logs:UntagResource"),
            LOGS + "API_TagResource.html",
        ),
    ]


ROWS: tuple[Row, ...] = tuple(
    _cluster_rows()
    + _instance_rows()
    + _parameter_group_rows()
    + _subnet_group_rows()
    + _secret_rows()
    + _role_rows()
    + _key_rows()
    + _topic_rows()
    + _alarm_rows()
    + _log_group_rows()
)


def checks() -> list[str]:
    """The checks that own rows, in the table's order."""
    return list(dict.fromkeys(row.check for row in ROWS))


# What the template sets that has no row, and why. "create-only" means the resource schema lists the
# property in createOnlyProperties or conditionalCreateOnlyProperties (cfn-lint's copy,
# tapcheck.plan.schema; tests/unit/test_drift_table.py checks it): no API call changes it in place. A
# resource renamed through its API (ModifyDBCluster NewDBClusterIdentifier, ...) is gone under its
# physical id, which fails every row of it.
CREATE_ONLY = "create-only"
NOT_CHECKED: dict[tuple[str, str], str] = {
    (CLUSTER, "DBClusterIdentifier"): CREATE_ONLY,
    (CLUSTER, "Engine"): CREATE_ONLY,
    (CLUSTER, "EngineMode"): CREATE_ONLY,
    (CLUSTER, "DatabaseName"): CREATE_ONLY,
    (CLUSTER, "MasterUsername"): CREATE_ONLY,
    (CLUSTER, "DBSubnetGroupName"): CREATE_ONLY,
    (CLUSTER, "StorageEncrypted"): CREATE_ONLY,
    (CLUSTER, "MasterUserPassword"): "ModifyDBCluster sets it, but no AWS API reads a password back; the R6/C4 "
    "probes log in with the secret's password instead",
    (INSTANCE, "DBInstanceIdentifier"): CREATE_ONLY,
    (INSTANCE, "DBClusterIdentifier"): CREATE_ONLY,
    (INSTANCE, "Engine"): CREATE_ONLY,
    (SUBNETS, "DBSubnetGroupName"): CREATE_ONLY,
    (PARAMS, "DBClusterParameterGroupName"): CREATE_ONLY,
    (PARAMS, "Description"): CREATE_ONLY,
    (PARAMS, "Family"): CREATE_ONLY,
    (SECRET, "Name"): CREATE_ONLY,
    (SECRET, "GenerateSecretString"): "how CloudFormation generates the value once, at create; no API reads it "
    "back as a setting (the value itself is R6's secret probe's)",
    ("AWS::SecretsManager::SecretTargetAttachment", "SecretId"): CREATE_ONLY,
    ("AWS::SecretsManager::SecretTargetAttachment", "TargetId"): "no API call of its own: the attachment writes the "
    "cluster's connection details into the secret's "
    "value, which R6's secret probe checks",
    ("AWS::SecretsManager::SecretTargetAttachment", "TargetType"): "as TargetId",
    (ROLE, "RoleName"): CREATE_ONLY,
    (KEY, "PendingWindowInDays"): "used only when the key is deleted (ScheduleKeyDeletion); no API reads it back",
    (TOPIC, "TopicName"): CREATE_ONLY,
    (ALARM_TYPE, "AlarmName"): CREATE_ONLY,
    (LOG_GROUP, "LogGroupName"): CREATE_ONLY,
}


def markdown() -> str:
    """The table as docs/drift.md shows it (tests/unit/test_drift_table.py keeps the two equal)."""
    from tapcheck.requirements.registry import registry

    reg = registry()
    counts: dict[str, int] = {}
    for row in ROWS:
        counts[row.type] = counts.get(row.type, 0) + 1
    lines = [
        f"{len(ROWS)} rows: " + ", ".join(f"{rtype} {count}" for rtype, count in counts.items()) + ".",
        "",
        "| resource type | property | check (requirements) | live value from | operator's call | AWS page |",
        "|---|---|---|---|---|---|",
    ]
    for row in ROWS:
        default = f" (default {str(row.default).lower()})" if row.default is not ABSENT else ""
        reads = (row.read.__doc__ or "").strip() or "-"
        calls = ", ".join(row.calls) + (f" ({row.one_way})" if row.one_way else "")
        lines.append(
            f"| {row.type} | {row.label}{default} | {row.check} ({', '.join(reg.requirements_of(row.check))}) "
            f"| {reads} | {calls} | {row.page} |"
        )
    lines += ["", "| resource type | property without a row | why |", "|---|---|---|"]
    lines += [f"| {rtype} | {prop} | {why} |" for (rtype, prop), why in NOT_CHECKED.items()]
    return "\n".join(lines) + "\n"
