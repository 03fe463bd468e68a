"""H4 — rewrites that keep the hardening met, and changes that break it."""

from tapcheck.requirements.common import ALARM, KMS_KEY, TOPIC, logical_id, props

ALIAS = "AWS::KMS::Alias"


def passing_example(template: dict) -> None:
    alarm = props(template, ALARM)
    alarm["InsufficientDataActions"] = list(alarm["AlarmActions"])       # an added action


def passing_example_key_through_alias(template: dict) -> None:
    """The topic names its key through a stack-owned alias: CloudFormation resolves it to the key."""
    template["Resources"]["AlarmTopicKeyAlias"] = {
        "Type": ALIAS, "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
        "Properties": {"AliasName": {"Fn::Sub": "alias/aurora-alarms-${EnvironmentSuffix}"},
                       "TargetKeyId": {"Ref": logical_id(template, KMS_KEY)}}}
    props(template, TOPIC)["KmsMasterKeyId"] = {"Ref": "AlarmTopicKeyAlias"}


def passing_example_topic_policy_allows(template: dict) -> None:
    """A topic policy that lets CloudWatch publish and denies only others."""
    template["Resources"]["AlarmTopicPolicy"] = {"Type": "AWS::SNS::TopicPolicy", "Properties": {
        "Topics": [{"Ref": logical_id(template, TOPIC)}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:Publish",
             "Resource": {"Ref": logical_id(template, TOPIC)}},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:DeleteTopic", "Resource": "*"}]}}}


def failing_example(template: dict) -> None:
    props(template, ALARM)["ActionsEnabled"] = False


def failing_example_key_disabled(template: dict) -> None:
    props(template, KMS_KEY)["Enabled"] = False


def failing_example_key_asymmetric(template: dict) -> None:
    key = props(template, KMS_KEY)
    key["KeySpec"], key["KeyUsage"] = "RSA_3072", "ENCRYPT_DECRYPT"
    key.pop("EnableKeyRotation", None)           # asymmetric keys cannot rotate: keep cfn-lint out of it


def failing_example_topic_policy_denies(template: dict) -> None:
    template["Resources"]["AlarmTopicPolicy"] = {"Type": "AWS::SNS::TopicPolicy", "Properties": {
        "Topics": [{"Ref": logical_id(template, TOPIC)}],
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "sns:*",
             "Resource": "*"}]}}}
