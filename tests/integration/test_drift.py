"""Drift after deploy (issue 16, item 4): every row of the drift table (tapcheck.live.drift.table),
changed on a deployed stack with the AWS call an operator would use, fails the drift probe of its
check, naming the resource (logical and physical id), the property, and the fix's AWS page; set back
with the reverse call, every probe passes again. Each row is changed by a call of its own, except the
alarm's, which PutMetricAlarm replaces as a whole (one call changes them all).

One stack for the module, on the local target (it changes the stack it deploys). All changes are one
batch and one smoke run, so the module stays short; the exact set of drifted values per check is
asserted, so a change that drifts something else too, or nothing, fails. The same probes through the
aws target (botocore pointed at the emulator) once.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tapcheck.errors import UsageError


@dataclass
class Change:
    """One operator call that must make (logical id, label) drift under `check`, and the call that sets it back."""

    resource: str
    label: str
    calls: tuple[str, ...]  # the call made, then the call(s) setting it back: service:Action
    apply: Callable[[], Any]
    restore: Callable[[], Any]
    also: tuple[str, ...] = ()  # more labels of the same resource the same call changes


@dataclass
class Drifting:
    target: Any
    name: str
    ctx: Any
    changes: list[Change] = field(default_factory=list)

    def client(self, service: str) -> Any:
        return self.target.client(service)

    def physical(self, logical: str) -> str:
        return next(r["PhysicalResourceId"] for r in self.ctx.resources if r["LogicalResourceId"] == logical)

    def logical(self, rtype: str) -> str:
        return min(r["LogicalResourceId"] for r in self.ctx.resources if r["ResourceType"] == rtype)

    def fresh(self) -> Any:
        from tapcheck.live.context import Context

        return Context(self.target, self.name)


@pytest.fixture(scope="module")
def stack(local_target, live_options):
    from tapcheck.live import deploy
    from tapcheck.live.context import Context

    name = f"tapcheck-drift-{uuid.uuid4().hex[:6]}"
    deploy.deploy(local_target, live_options.template, name, {"EnvironmentSuffix": "dr" + uuid.uuid4().hex[:6]})
    ctx = Context(local_target, name)
    yield Drifting(local_target, name, ctx)
    rds = local_target.client("rds")
    cluster = ctx.one("AWS::RDS::DBCluster")
    # a failed restore must not keep destroy from cleaning up
    rds.modify_db_cluster(DBClusterIdentifier=cluster, DeletionProtection=False, ApplyImmediately=True)
    deploy.destroy(local_target, name)
    with pytest.raises(UsageError):
        deploy.describe(local_target, name)


def _tags(stack: Drifting, rtype: str) -> list[Change]:
    """Environment changed and Name removed, with each service's own tag calls."""
    logical = stack.logical(rtype)
    pid = stack.physical(logical)
    env, name = "Environment", "Name"

    def rds_arn() -> str:
        rds = stack.client("rds")
        return {
            "AWS::RDS::DBCluster": lambda: rds.describe_db_clusters(DBClusterIdentifier=pid)["DBClusters"][0][
                "DBClusterArn"
            ],
            "AWS::RDS::DBInstance": lambda: rds.describe_db_instances(DBInstanceIdentifier=pid)["DBInstances"][0][
                "DBInstanceArn"
            ],
            "AWS::RDS::DBSubnetGroup": lambda: rds.describe_db_subnet_groups(DBSubnetGroupName=pid)["DBSubnetGroups"][
                0
            ]["DBSubnetGroupArn"],
            "AWS::RDS::DBClusterParameterGroup": lambda: rds.describe_db_cluster_parameter_groups(
                DBClusterParameterGroupName=pid
            )["DBClusterParameterGroups"][0]["DBClusterParameterGroupArn"],
        }[rtype]()

    service = rtype.split("::")[1]
    if service == "RDS":
        arn, rds = rds_arn(), stack.client("rds")
        original = {t["Key"]: t["Value"] for t in rds.list_tags_for_resource(ResourceName=arn)["TagList"]}

        def put(tags):
            return rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

        def drop(key):
            return rds.remove_tags_from_resource(ResourceName=arn, TagKeys=[key])

        calls = ("rds:AddTagsToResource", "rds:RemoveTagsFromResource")
    elif service == "SecretsManager":
        sm = stack.client("secretsmanager")
        original = {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=pid)["Tags"]}

        def put(tags):
            return sm.tag_resource(SecretId=pid, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

        def drop(key):
            return sm.untag_resource(SecretId=pid, TagKeys=[key])

        calls = ("secretsmanager:TagResource", "secretsmanager:UntagResource")
    elif service == "IAM":
        iam = stack.client("iam")
        original = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=pid)["Tags"]}

        def put(tags):
            return iam.tag_role(RoleName=pid, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

        def drop(key):
            return iam.untag_role(RoleName=pid, TagKeys=[key])

        calls = ("iam:TagRole", "iam:UntagRole")
    elif service == "KMS":
        kms = stack.client("kms")
        original = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=pid)["Tags"]}

        def put(tags):
            return kms.tag_resource(KeyId=pid, Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])

        def drop(key):
            return kms.untag_resource(KeyId=pid, TagKeys=[key])

        calls = ("kms:TagResource", "kms:UntagResource")
    elif service == "SNS":
        sns = stack.client("sns")
        original = {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=pid)["Tags"]}

        def put(tags):
            return sns.tag_resource(ResourceArn=pid, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

        def drop(key):
            return sns.untag_resource(ResourceArn=pid, TagKeys=[key])

        calls = ("sns:TagResource", "sns:UntagResource")
    elif service == "CloudWatch":
        cw = stack.client("cloudwatch")
        arn = cw.describe_alarms(AlarmNames=[pid])["MetricAlarms"][0]["AlarmArn"]
        original = {t["Key"]: t["Value"] for t in cw.list_tags_for_resource(ResourceARN=arn)["Tags"]}

        def put(tags):
            return cw.tag_resource(ResourceARN=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

        def drop(key):
            return cw.untag_resource(ResourceARN=arn, TagKeys=[key])

        calls = ("cloudwatch:TagResource", "cloudwatch:UntagResource")
    else:
        logs = stack.client("logs")
        group = logs.describe_log_groups(logGroupNamePrefix=pid)["logGroups"][0]
        arn = group.get("logGroupArn") or group["arn"].removesuffix(":*")
        original = logs.list_tags_for_resource(resourceArn=arn)["tags"]

        def put(tags):
            return logs.tag_resource(resourceArn=arn, tags=tags)

        def drop(key):
            return logs.untag_resource(resourceArn=arn, tagKeys=[key])

        calls = ("logs:TagResource", "logs:UntagResource")

    def restore():
        return put({env: original[env], name: original[name]})

    return [
        Change(logical, f"Tags.{env}", (calls[0],), lambda: put({env: "Staging"}), restore),
        Change(logical, f"Tags.{name}", (calls[1], calls[0]), lambda: drop(name), restore),
    ]


def _cluster(stack: Drifting, other_sg: str) -> list[Change]:
    rds, logical = stack.client("rds"), stack.logical("AWS::RDS::DBCluster")
    cid = stack.physical(logical)
    before = rds.describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]

    def modify(**kwargs: Any) -> Callable[[], Any]:
        return lambda: rds.modify_db_cluster(DBClusterIdentifier=cid, ApplyImmediately=True, **kwargs)

    scaling = before["ServerlessV2ScalingConfiguration"]
    cases = [
        # A newer minor is what AWS's automatic upgrade does: it holds, with a note (tests/unit/test_drift_table.py).
        # An older one stands here for any version the template does not hold (the emulator does not
        # refuse the downgrade that AWS's ModifyDBCluster cannot make).
        ("EngineVersion", {"EngineVersion": "15.10"}, {"EngineVersion": before["EngineVersion"]}, ()),
        ("AutoMinorVersionUpgrade", {"AutoMinorVersionUpgrade": False}, {"AutoMinorVersionUpgrade": True}, ()),
        (
            "DBClusterParameterGroupName",
            {"DBClusterParameterGroupName": "default.aurora-postgresql15"},
            {"DBClusterParameterGroupName": before["DBClusterParameterGroup"]},
            (),
        ),
        (
            "VpcSecurityGroupIds",
            {"VpcSecurityGroupIds": [other_sg]},
            {"VpcSecurityGroupIds": [g["VpcSecurityGroupId"] for g in before["VpcSecurityGroups"]]},
            (),
        ),
        ("DeletionProtection", {"DeletionProtection": True}, {"DeletionProtection": False}, ()),
        (
            "BackupRetentionPeriod",
            {"BackupRetentionPeriod": 3},
            {"BackupRetentionPeriod": before["BackupRetentionPeriod"]},
            (),
        ),
        (
            "PreferredBackupWindow",
            {"PreferredBackupWindow": "05:00-06:00"},
            {"PreferredBackupWindow": before["PreferredBackupWindow"]},
            (),
        ),
        (
            "PreferredMaintenanceWindow",
            {"PreferredMaintenanceWindow": "sun:04:00-sun:05:00"},
            {"PreferredMaintenanceWindow": before["PreferredMaintenanceWindow"]},
            (),
        ),
        (
            "EnableCloudwatchLogsExports",
            {"CloudwatchLogsExportConfiguration": {"DisableLogTypes": ["postgresql"]}},
            {"CloudwatchLogsExportConfiguration": {"EnableLogTypes": ["postgresql"]}},
            (),
        ),
        (
            "ServerlessV2ScalingConfiguration.MinCapacity",
            {"ServerlessV2ScalingConfiguration": {"MinCapacity": 1, "MaxCapacity": 2}},
            {"ServerlessV2ScalingConfiguration": scaling},
            ("ServerlessV2ScalingConfiguration.MaxCapacity",),
        ),
        (
            "EnableIAMDatabaseAuthentication",
            {"EnableIAMDatabaseAuthentication": False},
            {"EnableIAMDatabaseAuthentication": True},
            (),
        ),
        ("CopyTagsToSnapshot", {"CopyTagsToSnapshot": False}, {"CopyTagsToSnapshot": True}, ()),
    ]
    return [
        Change(logical, label, ("rds:ModifyDBCluster",), modify(**change), modify(**back), also)
        for label, change, back, also in cases
    ]


def _instance(stack: Drifting) -> list[Change]:
    rds, logical = stack.client("rds"), stack.logical("AWS::RDS::DBInstance")
    iid = stack.physical(logical)
    before = rds.describe_db_instances(DBInstanceIdentifier=iid)["DBInstances"][0]

    def modify(**kwargs: Any) -> Callable[[], Any]:
        return lambda: rds.modify_db_instance(DBInstanceIdentifier=iid, ApplyImmediately=True, **kwargs)

    other_role = before["MonitoringRoleArn"].rsplit("/", 1)[0] + "/someone-elses-monitoring-role"
    cases = [
        ("DBInstanceClass", {"DBInstanceClass": "db.r6g.large"}, {"DBInstanceClass": before["DBInstanceClass"]}),
        ("PubliclyAccessible", {"PubliclyAccessible": True}, {"PubliclyAccessible": False}),
        ("AutoMinorVersionUpgrade", {"AutoMinorVersionUpgrade": False}, {"AutoMinorVersionUpgrade": True}),
        ("MonitoringInterval", {"MonitoringInterval": 30}, {"MonitoringInterval": before["MonitoringInterval"]}),
        ("MonitoringRoleArn", {"MonitoringRoleArn": other_role}, {"MonitoringRoleArn": before["MonitoringRoleArn"]}),
    ]
    return [
        Change(logical, label, ("rds:ModifyDBInstance",), modify(**change), modify(**back))
        for label, change, back in cases
    ]


def _parameter_group(stack: Drifting) -> list[Change]:
    rds, logical = stack.client("rds"), stack.logical("AWS::RDS::DBClusterParameterGroup")
    name = stack.physical(logical)
    values = {
        p["ParameterName"]: p["ParameterValue"]
        for p in rds.describe_db_cluster_parameters(DBClusterParameterGroupName=name)["Parameters"]
        if p["ParameterName"] in ("log_statement", "rds.force_ssl")
    }

    def put(parameter: str, value: str) -> Callable[[], Any]:
        return lambda: rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            Parameters=[{"ParameterName": parameter, "ParameterValue": value, "ApplyMethod": "immediate"}],
        )

    def reset():
        return rds.reset_db_cluster_parameter_group(
            DBClusterParameterGroupName=name,
            Parameters=[{"ParameterName": "rds.force_ssl", "ApplyMethod": "immediate"}],
        )

    return [
        Change(
            logical,
            "Parameters.log_statement",
            ("rds:ModifyDBClusterParameterGroup",),
            put("log_statement", "ddl"),
            put("log_statement", values["log_statement"]),
        ),
        Change(
            logical,
            "Parameters.rds.force_ssl",
            ("rds:ResetDBClusterParameterGroup", "rds:ModifyDBClusterParameterGroup"),
            reset,
            put("rds.force_ssl", values["rds.force_ssl"]),
        ),
    ]


def _subnet_group(stack: Drifting, third_subnet: str) -> list[Change]:
    rds, logical = stack.client("rds"), stack.logical("AWS::RDS::DBSubnetGroup")
    name = stack.physical(logical)
    before = rds.describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    subnets = [s["SubnetIdentifier"] for s in before["Subnets"]]

    def restore():
        return rds.modify_db_subnet_group(
            DBSubnetGroupName=name, DBSubnetGroupDescription=before["DBSubnetGroupDescription"], SubnetIds=subnets
        )

    return [
        Change(
            logical,
            "DBSubnetGroupDescription",
            ("rds:ModifyDBSubnetGroup",),
            lambda: rds.modify_db_subnet_group(
                DBSubnetGroupName=name, DBSubnetGroupDescription="changed by hand", SubnetIds=subnets
            ),
            restore,
        ),
        Change(
            logical,
            "SubnetIds",
            ("rds:ModifyDBSubnetGroup",),
            lambda: rds.modify_db_subnet_group(DBSubnetGroupName=name, SubnetIds=[subnets[0], third_subnet]),
            restore,
        ),
    ]


def _secret(stack: Drifting) -> list[Change]:
    sm, logical = stack.client("secretsmanager"), stack.logical("AWS::SecretsManager::Secret")
    arn = stack.physical(logical)
    description = sm.describe_secret(SecretId=arn)["Description"]
    return [
        Change(
            logical,
            "Description",
            ("secretsmanager:UpdateSecret",),
            lambda: sm.update_secret(SecretId=arn, Description="changed by hand"),
            lambda: sm.update_secret(SecretId=arn, Description=description),
        )
    ]


def _role(stack: Drifting) -> list[Change]:
    iam, logical = stack.client("iam"), stack.logical("AWS::IAM::Role")
    name = stack.physical(logical)
    role = iam.get_role(RoleName=name)["Role"]
    policies = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    trust = role["AssumeRolePolicyDocument"]
    other = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    return [
        Change(
            logical,
            "Description",
            ("iam:UpdateRoleDescription",),
            lambda: iam.update_role_description(RoleName=name, Description="changed by hand"),
            lambda: iam.update_role_description(RoleName=name, Description=role["Description"]),
        ),
        Change(
            logical,
            "AssumeRolePolicyDocument",
            ("iam:UpdateAssumeRolePolicy",),
            lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(other)),
            lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust)),
        ),
        Change(
            logical,
            "ManagedPolicyArns",
            ("iam:DetachRolePolicy", "iam:AttachRolePolicy"),
            lambda: [iam.detach_role_policy(RoleName=name, PolicyArn=p) for p in policies],
            lambda: [iam.attach_role_policy(RoleName=name, PolicyArn=p) for p in policies],
        ),
    ]


def _key(stack: Drifting) -> list[Change]:
    kms, logical = stack.client("kms"), stack.logical("AWS::KMS::Key")
    key = stack.physical(logical)
    description = kms.describe_key(KeyId=key)["KeyMetadata"]["Description"]
    policy = kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"]
    without_cloudwatch = json.loads(policy)
    without_cloudwatch["Statement"] = [
        s for s in without_cloudwatch["Statement"] if "cloudwatch.amazonaws.com" not in json.dumps(s)
    ]
    return [
        Change(
            logical,
            "Description",
            ("kms:UpdateKeyDescription",),
            lambda: kms.update_key_description(KeyId=key, Description="changed by hand"),
            lambda: kms.update_key_description(KeyId=key, Description=description),
        ),
        Change(
            logical,
            "EnableKeyRotation",
            ("kms:DisableKeyRotation", "kms:EnableKeyRotation"),
            lambda: kms.disable_key_rotation(KeyId=key),
            lambda: kms.enable_key_rotation(KeyId=key),
        ),
        Change(
            logical,
            "KeyPolicy",
            ("kms:PutKeyPolicy",),
            lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(without_cloudwatch)),
            lambda: kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy),
        ),
        Change(
            logical,
            "Enabled",
            ("kms:DisableKey", "kms:EnableKey"),
            lambda: kms.disable_key(KeyId=key),
            lambda: kms.enable_key(KeyId=key),
        ),
    ]


def _topic(stack: Drifting) -> list[Change]:
    sns, logical = stack.client("sns"), stack.logical("AWS::SNS::Topic")
    arn = stack.physical(logical)
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]

    def put(name: str, value: str) -> Callable[[], Any]:
        return lambda: sns.set_topic_attributes(TopicArn=arn, AttributeName=name, AttributeValue=value)

    return [
        Change(
            logical,
            "DisplayName",
            ("sns:SetTopicAttributes",),
            put("DisplayName", "changed by hand"),
            put("DisplayName", attributes["DisplayName"]),
        ),
        Change(
            logical,
            "KmsMasterKeyId",
            ("sns:SetTopicAttributes",),
            put("KmsMasterKeyId", "alias/aws/sns"),
            put("KmsMasterKeyId", attributes["KmsMasterKeyId"]),
        ),
    ]


ALARM_FIELDS = (
    "MetricName",
    "Namespace",
    "Dimensions",
    "Statistic",
    "Period",
    "EvaluationPeriods",
    "DatapointsToAlarm",
    "TreatMissingData",
    "Threshold",
    "ComparisonOperator",
    "AlarmActions",
    "OKActions",
    "AlarmDescription",
)


def _alarm(stack: Drifting) -> list[Change]:
    cw, logical = stack.client("cloudwatch"), stack.logical("AWS::CloudWatch::Alarm")
    name = stack.physical(logical)
    alarm = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    original = {k: alarm[k] for k in ALARM_FIELDS}
    changed = dict(
        original,
        MetricName="FreeableMemory",
        Namespace="Custom/RDS",
        Dimensions=[{"Name": "DBInstanceIdentifier", "Value": "elsewhere"}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=5,
        DatapointsToAlarm=3,
        TreatMissingData="breaching",
        Threshold=90.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[],
        OKActions=[],
        AlarmDescription="changed by hand",
    )
    assert all(changed[k] != original[k] for k in ALARM_FIELDS)
    return [
        Change(
            logical,
            ALARM_FIELDS[0],
            ("cloudwatch:PutMetricAlarm",),
            lambda: cw.put_metric_alarm(AlarmName=name, **changed),
            lambda: cw.put_metric_alarm(AlarmName=name, **original),
            also=ALARM_FIELDS[1:],
        ),
        Change(
            logical,
            "ActionsEnabled",
            ("cloudwatch:DisableAlarmActions", "cloudwatch:EnableAlarmActions"),
            lambda: cw.disable_alarm_actions(AlarmNames=[name]),
            lambda: cw.enable_alarm_actions(AlarmNames=[name]),
        ),
    ]


def _log_group(stack: Drifting) -> list[Change]:
    logs, logical = stack.client("logs"), stack.logical("AWS::Logs::LogGroup")
    name = stack.physical(logical)
    days = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["retentionInDays"]
    return [
        Change(
            logical,
            "RetentionInDays",
            ("logs:DeleteRetentionPolicy", "logs:PutRetentionPolicy"),
            lambda: logs.delete_retention_policy(logGroupName=name),
            lambda: logs.put_retention_policy(logGroupName=name, retentionInDays=days),
        )
    ]


def _network(stack: Drifting) -> tuple[str, str]:
    """A second security group and a subnet in a third AZ, in the stack's VPC, tagged as its network so
    that destroy removes them with it."""
    from tapcheck.live.deploy import NETWORK_TAG

    ec2 = stack.client("ec2")
    params = stack.ctx.parameters
    subnets = ec2.describe_subnets(SubnetIds=[params["SubnetId1"], params["SubnetId2"]])["Subnets"]
    vpc, used = subnets[0]["VpcId"], {s["AvailabilityZone"] for s in subnets}

    def spec(kind):
        return [{"ResourceType": kind, "Tags": [{"Key": NETWORK_TAG, "Value": stack.name}]}]

    az = next(
        z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"] if z["ZoneName"] not in used
    )
    subnet = ec2.create_subnet(
        VpcId=vpc, CidrBlock="10.77.9.0/24", AvailabilityZone=az, TagSpecifications=spec("subnet")
    )["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName=f"{stack.name}-other",
        Description="not the stack's",
        VpcId=vpc,
        TagSpecifications=spec("security-group"),
    )["GroupId"]
    return group, subnet


TAGGED = (
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBSubnetGroup",
    "AWS::RDS::DBClusterParameterGroup",
    "AWS::SecretsManager::Secret",
    "AWS::IAM::Role",
    "AWS::KMS::Key",
    "AWS::SNS::Topic",
    "AWS::CloudWatch::Alarm",
    "AWS::Logs::LogGroup",
)


def all_changes(stack: Drifting) -> list[Change]:
    other_sg, third_subnet = _network(stack)
    return (
        _cluster(stack, other_sg)
        + _instance(stack)
        + _parameter_group(stack)
        + _subnet_group(stack, third_subnet)
        + _secret(stack)
        + _role(stack)
        + _key(stack)
        + _topic(stack)
        + _alarm(stack)
        + _log_group(stack)
        + [c for rtype in TAGGED for c in _tags(stack, rtype)]
    )


def _smoke(target: Any, name: str, **kwargs: Any) -> Any:
    from tapcheck.live.smoke import run_smoke

    return run_smoke(target, name, **kwargs)


def _expected(stack: Drifting, changes: list[Change]) -> dict[str, set[tuple[str, str]]]:
    """check -> the (logical id, label) items that must drift."""
    out: dict[str, set[tuple[str, str]]] = {}
    for change in changes:
        for label in (change.label, *change.also):
            out.setdefault(_row_of(stack, change.resource, label).check, set()).add((change.resource, label))
    return out


def _row_of(stack: Drifting, logical: str, label: str) -> Any:
    from tapcheck.live.drift.table import ROWS

    rtype = next(r["ResourceType"] for r in stack.ctx.resources if r["LogicalResourceId"] == logical)
    rows = [r for r in ROWS if r.type == rtype]
    if label.startswith("Tags."):
        return next(r for r in rows if r.path == ("Tags", "Name" if label == "Tags.Name" else "*"))
    return next(r for r in rows if r.label == label)


def test_every_row_changed_by_its_operator_call_fails_its_requirement_by_name_then_passes_when_set_back(stack) -> None:
    from tapcheck.findings import Status
    from tapcheck.live.drift.probe import evaluate, probe_name
    from tapcheck.live.drift.table import ROWS, checks
    from tapcheck.requirements.registry import registry

    report = _smoke(stack.target, stack.name)
    assert report.exit_code == 0, [c.line for c in report.cases if c.status is not Status.PASS]

    changes = all_changes(stack)
    # every call the table names is made here (as the change, or as the call that sets a value back)
    assert {call for row in ROWS for call in row.calls} <= {call for c in changes for call in c.calls}
    expected = _expected(stack, changes)
    # every row of the table that the template gives a value is changed (parameter-group-family has none here)
    assert set(expected) == set(checks()) - {"parameter-group-family"}
    for change in changes:
        change.apply()
    try:
        ctx = stack.fresh()
        for check in checks():
            verdict = evaluate(ctx, check)
            assert set(verdict.drifted) == expected.get(check, set()), check
            assert not verdict.gone and not verdict.unknown, check
        report = _smoke(stack.target, stack.name)
        cases = {c.name: c for c in report.cases}
        reg = registry()
        for check, drifted in expected.items():
            case = cases[probe_name(check)]
            assert case.status is Status.FAIL, case.line
            assert set(case.requirements) == set(reg.requirements_of(check)), case.line
            assert set(reg.requirements_of(check)) <= set(report.failed_requirements)
            for logical, label in drifted:
                row = _row_of(stack, logical, label)
                named = f"{logical} ({stack.physical(logical)}) {label} "
                assert named in case.detail, f"{named!r} not in {case.line}"
                one_way = f", {row.one_way}" if row.one_way else ""
                assert (
                    f"fix: set it back with {' or '.join(row.calls)} ({row.page}{one_way})"
                    in case.detail.split(named, 1)[1]
                )
        assert cases["drift_parameter_group_family"].status is Status.PASS
    finally:
        for change in reversed(changes):
            change.restore()
    report = _smoke(stack.target, stack.name)
    assert report.exit_code == 0, [c.line for c in report.cases if c.status is not Status.PASS]


def test_the_aws_target_runs_the_same_drift_probes(stack, emulator, aws_code_path_to) -> None:
    """--target aws code path, botocore pointed at the emulator: the drift is named the same way."""
    from tapcheck.live.smoke import smoke
    from tapcheck.live.target import resolve

    aws_code_path_to(emulator["state"])
    aws = resolve("aws")
    assert not aws.local
    rds, logical = stack.client("rds"), stack.logical("AWS::RDS::DBCluster")
    cluster = stack.physical(logical)
    rds.modify_db_cluster(DBClusterIdentifier=cluster, PreferredBackupWindow="05:00-06:00", ApplyImmediately=True)
    try:
        out = io.StringIO()
        assert smoke(aws, stack.name, out=out, only=["R4"]) == 1, out.getvalue()
        failed = [line for line in out.getvalue().splitlines() if line.startswith("FAIL")]
        assert any(
            line.startswith("FAIL R4 ")
            and "drift_backup_window" in line
            and f"{logical} ({cluster}) PreferredBackupWindow is '05:00-06:00' live, '03:00-04:00' in the "
            "deployed template"
            in line
            and "API_ModifyDBCluster.html" in line
            for line in failed
        ), out.getvalue()
    finally:
        rds.modify_db_cluster(DBClusterIdentifier=cluster, PreferredBackupWindow="03:00-04:00", ApplyImmediately=True)
    out = io.StringIO()
    assert smoke(aws, stack.name, out=out, only=["R4"]) == 0, out.getvalue()


def test_the_emulated_operator_calls_refuse_what_aws_refuses_and_lose_nothing(stack) -> None:
    """ModifyDBSubnetGroup with one AZ is refused and the group stays; ResetDBClusterParameterGroup of a
    parameter whose default the emulator does not know is refused, and nothing is half reset."""
    from botocore.exceptions import ClientError

    rds = stack.client("rds")
    group = stack.physical(stack.logical("AWS::RDS::DBSubnetGroup"))
    before = rds.describe_db_subnet_groups(DBSubnetGroupName=group)["DBSubnetGroups"][0]
    with pytest.raises(ClientError) as refused:
        rds.modify_db_subnet_group(DBSubnetGroupName=group, SubnetIds=[before["Subnets"][0]["SubnetIdentifier"]])
    assert refused.value.response["Error"]["Code"] == "DBSubnetGroupDoesNotCoverEnoughAZs"
    assert rds.describe_db_subnet_groups(DBSubnetGroupName=group)["DBSubnetGroups"][0]["Subnets"] == before["Subnets"]

    params = stack.physical(stack.logical("AWS::RDS::DBClusterParameterGroup"))

    def values():
        return {
            p["ParameterName"]: p.get("ParameterValue")
            for p in rds.describe_db_cluster_parameters(DBClusterParameterGroupName=params)["Parameters"]
        }

    kept = values()
    with pytest.raises(ClientError) as refused:
        rds.reset_db_cluster_parameter_group(
            DBClusterParameterGroupName=params,
            Parameters=[
                {"ParameterName": "log_statement", "ApplyMethod": "immediate"},
                {"ParameterName": "work_mem", "ApplyMethod": "immediate"},
            ],
        )
    assert refused.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "work_mem" in refused.value.response["Error"]["Message"]
    assert values() == kept
