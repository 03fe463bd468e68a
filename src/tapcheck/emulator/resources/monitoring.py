"""AWS::CloudWatch::Alarm, the AWS::SNS::Topic it notifies, and AWS::IAM::Role."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.cloudformation.exceptions import ValidationError
from moto.cloudwatch.models import cloudwatch_backends
from moto.iam.models import Role as MotoRole
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from tapcheck.emulator.resources.base import AttributeReaders, EmulatedResource, as_bool, tag_list


class MetricAlarm(EmulatedResource):
    CFN_TYPE = "AWS::CloudWatch::Alarm"
    NAME_PROPERTY = "AlarmName"
    ATTRIBUTES: ClassVar[AttributeReaders] = {"Arn": lambda wrapper: wrapper.obj.alarm_arn}

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> MetricAlarm:
        p = cloudformation_json["Properties"]
        if "Metrics" in p:
            raise ValidationError(message="metric-math alarms are not supported by the emulator")
        cw: Any = cloudwatch_backends[account_id][region_name]  # moto's hints: Period is optional on AWS
        alarm = cw.put_metric_alarm(
            name=resource_name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            comparison_operator=p["ComparisonOperator"],
            evaluation_periods=int(p["EvaluationPeriods"]),
            period=int(p["Period"]) if "Period" in p else None,
            threshold=float(p["Threshold"]),
            statistic=p.get("Statistic"),
            description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions") or []],
            alarm_actions=list(p.get("AlarmActions") or []),
            datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
            extended_statistic=p.get("ExtendedStatistic"),
            ok_actions=list(p.get("OKActions") or []),
            insufficient_data_actions=list(p.get("InsufficientDataActions") or []),
            unit=p.get("Unit"),
            actions_enabled=as_bool(p.get("ActionsEnabled"), True),
            treat_missing_data=p.get("TreatMissingData"),
            tags=tag_list(p),
        )
        return cls(alarm.name, account_id, region_name, alarm)

    UPDATABLE = frozenset(
        {
            "AlarmDescription",
            "MetricName",
            "Namespace",
            "Statistic",
            "ExtendedStatistic",
            "Period",
            "EvaluationPeriods",
            "Threshold",
            "ComparisonOperator",
            "Dimensions",
            "TreatMissingData",
            "AlarmActions",
            "OKActions",
            "InsufficientDataActions",
            "DatapointsToAlarm",
            "ActionsEnabled",
            "Unit",
            "Tags",
        }
    )

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        # PutMetricAlarm on the same name: "When you update an existing alarm, its state is left
        # unchanged, but the update completely overwrites the previous configuration of the alarm"
        # (https://docs.aws.amazon.com/goto/SdkForKotlin/monitoring-2010-08-01/PutMetricAlarm).
        cw = cloudwatch_backends[self.account_id][self.region_name]
        before = self.obj
        cw.tagger.delete_all_tags_for_resource(before.alarm_arn)
        updated = (
            type(self)
            .create_from_cloudformation_json(self.physical_id, {"Properties": new}, self.account_id, self.region_name)
            .obj
        )
        for attr in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
            setattr(updated, attr, getattr(before, attr))
        self.obj = updated

    def delete(self, account_id: str, region_name: str) -> None:
        cloudwatch_backends[account_id][region_name].delete_alarms([self.physical_id])


class Topic(EmulatedResource):
    CFN_TYPE = "AWS::SNS::Topic"
    NAME_PROPERTY = "TopicName"
    ATTRIBUTES: ClassVar[AttributeReaders] = {
        "TopicArn": lambda wrapper: wrapper.obj.arn,
        "TopicName": lambda wrapper: wrapper.obj.name,
    }

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Topic:
        p = cloudformation_json["Properties"]
        sns = sns_backends[account_id][region_name]
        attrs = {k: str(p[k]) for k in ("DisplayName", "KmsMasterKeyId", "FifoTopic") if k in p}
        topic = sns.create_topic(resource_name, attrs, {t["Key"]: t["Value"] for t in tag_list(p)})
        for sub in p.get("Subscription") or []:
            sns.subscribe(topic.arn, sub["Endpoint"], sub["Protocol"])
        return cls(topic.arn, account_id, region_name, topic)

    UPDATABLE = frozenset({"DisplayName", "KmsMasterKeyId", "Tags"})

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        sns = sns_backends[self.account_id][self.region_name]
        for prop, attribute in (("DisplayName", "display_name"), ("KmsMasterKeyId", "kms_master_key_id")):
            sns.set_topic_attribute(self.physical_id, attribute, str(new.get(prop) or ""))
        self.obj._tags = {t["Key"]: t["Value"] for t in tag_list(new)}

    def delete(self, account_id: str, region_name: str) -> None:
        sns_backends[account_id][region_name].delete_topic(self.physical_id)


class IamRole(EmulatedResource):
    """moto's Role, plus ManagedPolicyArns (which moto's model ignores)."""

    CFN_TYPE = "AWS::IAM::Role"
    NAME_PROPERTY = "RoleName"
    ATTRIBUTES: ClassVar[AttributeReaders] = {
        "Arn": lambda wrapper: wrapper.obj.arn,
        "RoleId": lambda wrapper: wrapper.obj.id,
    }

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> IamRole:
        props = cloudformation_json["Properties"]
        role = MotoRole.create_from_cloudformation_json(resource_name, cloudformation_json, account_id, region_name)
        iam = iam_backends[account_id][get_partition(region_name)]
        for arn in props.get("ManagedPolicyArns") or []:
            iam.attach_role_policy(arn, role.name)
        return cls(role.name, account_id, region_name, role)

    UPDATABLE = frozenset(
        {"Description", "AssumeRolePolicyDocument", "ManagedPolicyArns", "MaxSessionDuration", "Tags"}
    )

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        iam = iam_backends[self.account_id][get_partition(self.region_name)]
        role: Any = iam.get_role(self.physical_id)
        role.description = new.get("Description")
        if "MaxSessionDuration" in new:
            role.max_session_duration = int(new["MaxSessionDuration"])
        trust = new.get("AssumeRolePolicyDocument")
        if trust != old.get("AssumeRolePolicyDocument"):
            iam.update_assume_role_policy(role.name, trust if isinstance(trust, str) else json.dumps(trust))
        wanted = list(new.get("ManagedPolicyArns") or [])
        for arn in [a for a in role.managed_policies if a not in wanted]:
            iam.detach_role_policy(arn, role.name)
        for arn in [a for a in wanted if a not in role.managed_policies]:
            iam.attach_role_policy(arn, role.name)
        role.tags = tag_list(new)

    def delete(self, account_id: str, region_name: str) -> None:
        iam = iam_backends[account_id][get_partition(region_name)]
        role = iam.get_role(self.physical_id)
        for arn in list(role.managed_policies):
            iam.detach_role_policy(arn, role.name)
        for name in list(role.policies):
            iam.delete_role_policy(role.name, name)
        iam.delete_role(role.name)


class LogGroup(EmulatedResource):
    """AWS::Logs::LogGroup: moto's log group, updated in place (moto's own model cannot be)."""

    CFN_TYPE = "AWS::Logs::LogGroup"
    NAME_PROPERTY = "LogGroupName"
    ATTRIBUTES: ClassVar[AttributeReaders] = {"Arn": lambda wrapper: wrapper.obj.arn}

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LogGroup:
        props = cloudformation_json.get("Properties") or {}
        logs: Any = logs_backends[account_id][region_name]  # moto's hints take RetentionInDays as str
        group = logs.create_log_group(
            resource_name, {t["Key"]: t["Value"] for t in tag_list(props)}, kmsKeyId=props.get("KmsKeyId")
        )
        if props.get("RetentionInDays") is not None:
            logs.put_retention_policy(resource_name, int(props["RetentionInDays"]))
        return cls(group.name, account_id, region_name, group)

    UPDATABLE = frozenset({"RetentionInDays", "Tags", "KmsKeyId"})

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        logs: Any = logs_backends[self.account_id][self.region_name]
        if new.get("RetentionInDays") is None:
            # Without RetentionInDays "log events do not expire"
            # (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-loggroup.html).
            logs.delete_retention_policy(self.physical_id)
        else:
            logs.put_retention_policy(self.physical_id, int(new["RetentionInDays"]))
        self.obj.kms_key_id = new.get("KmsKeyId")
        tags = {t["Key"]: t["Value"] for t in tag_list(new)}
        current = logs.list_tags_for_resource(self.obj.arn)
        if set(current) - set(tags):
            logs.untag_resource(self.obj.arn, sorted(set(current) - set(tags)))
        if tags:
            logs.tag_resource(self.obj.arn, tags)

    def delete(self, account_id: str, region_name: str) -> None:
        logs_backends[account_id][region_name].delete_log_group(self.physical_id)
