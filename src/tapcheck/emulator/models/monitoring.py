"""AWS::CloudWatch::Alarm, the AWS::SNS::Topic it notifies, and AWS::IAM::Role."""

from __future__ import annotations

from typing import Any, ClassVar

from moto.cloudformation.exceptions import ValidationError
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.common_models import CloudFormationModel
from moto.iam.models import Role as MotoRole
from moto.iam.models import iam_backends
from moto.sns.models import sns_backends
from moto.utilities.utils import get_partition

from tapcheck.emulator.models.base import (
    AttributeReaders,
    _bool,
    _tags,
    _Wrapper,
)


class MetricAlarm(_Wrapper, CloudFormationModel):
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


class Topic(_Wrapper, CloudFormationModel):
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


class IamRole(_Wrapper, CloudFormationModel):
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
