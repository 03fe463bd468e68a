"""H4 — rewrites that keep the hardening met, and changes that break it."""

from tapcheck.requirements.common import ALARM, KMS_KEY, TOPIC, logical_id, props

ALIAS = "AWS::KMS::Alias"


def _topic_policy(template: dict, topic: object, statements: list[dict]) -> None:
    """A stack-owned AWS::SNS::TopicPolicy on the alarm's topic (it replaces the topic's default policy)."""
    template["Resources"]["AlarmTopicPolicy"] = {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [{"Ref": topic}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
        },
    }


def passing_example(template: dict) -> None:
    alarm = props(template, ALARM)
    alarm["InsufficientDataActions"] = list(alarm["AlarmActions"])  # an added action


def passing_example_key_through_alias(template: dict) -> None:
    """The topic names its key through a stack-owned alias: CloudFormation resolves it to the key."""
    template["Resources"]["AlarmTopicKeyAlias"] = {
        "Type": ALIAS,
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {
            "AliasName": {"Fn::Sub": "alias/aurora-alarms-${EnvironmentSuffix}"},
            "TargetKeyId": {"Ref": logical_id(template, KMS_KEY)},
        },
    }
    props(template, TOPIC)["KmsMasterKeyId"] = {"Ref": "AlarmTopicKeyAlias"}


def passing_example_topic_policy_allows(template: dict) -> None:
    """A topic policy that lets CloudWatch publish and denies only others."""
    _topic_policy(
        template,
        logical_id(template, TOPIC),
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": {"Ref": logical_id(template, TOPIC)},
            },
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sns:DeleteTopic", "Resource": "*"},
        ],
    )


def failing_example(template: dict) -> None:
    props(template, ALARM)["ActionsEnabled"] = False


def failing_example_key_disabled(template: dict) -> None:
    props(template, KMS_KEY)["Enabled"] = False


def failing_example_key_asymmetric(template: dict) -> None:
    key = props(template, KMS_KEY)
    key["KeySpec"], key["KeyUsage"] = "RSA_3072", "ENCRYPT_DECRYPT"
    key.pop("EnableKeyRotation", None)  # asymmetric keys cannot rotate: keep cfn-lint out of it


def failing_example_topic_policy_denies(template: dict) -> None:
    _topic_policy(
        template,
        logical_id(template, TOPIC),
        [
            {
                "Effect": "Deny",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:*",
                "Resource": "*",
            }
        ],
    )


# --- policies decided as AWS decides them, with the conditions AWS recommends ---------------------

ALARM_ARN = {"Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:aurora-cpu-*"}


def _cloudwatch_key_statement(template: dict) -> dict:
    return next(
        s
        for s in props(template, KMS_KEY)["KeyPolicy"]["Statement"]
        if "cloudwatch.amazonaws.com" in str(s.get("Principal"))
    )


def passing_example_recommended_conditions(template: dict) -> None:
    """The key grant limited to this account's alarms (aws:SourceAccount, aws:SourceArn), and a topic
    policy allowing only them, whose Deny exempts AWS services (aws:PrincipalIsAWSService)."""
    _cloudwatch_key_statement(template)["Condition"] = {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {"aws:SourceArn": ALARM_ARN},
    }
    topic = logical_id(template, TOPIC)
    _topic_policy(
        template,
        topic,
        [
            {
                "Sid": "AlarmsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": {"Ref": topic},
                "Condition": {"ArnLike": {"aws:SourceArn": {"Fn::GetAtt": [logical_id(template, ALARM), "Arn"]}}},
            },
            {
                "Sid": "OnlyThisOrganization",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sns:Publish",
                "Resource": {"Ref": topic},
                "Condition": {
                    "StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-exampleorgid"},
                    "BoolIfExists": {"aws:PrincipalIsAWSService": "false"},
                },
            },
        ],
    )


def passing_example_undocumented_key_is_a_warning(template: dict) -> None:
    """A condition on a key AWS does not document for CloudWatch's KMS call: a warning, not a verdict."""
    _cloudwatch_key_statement(template)["Condition"] = {
        "StringEquals": {"kms:CallerAccount": {"Ref": "AWS::AccountId"}}
    }


def failing_example_key_grant_for_another_account(template: dict) -> None:
    _cloudwatch_key_statement(template)["Condition"] = {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def failing_example_topic_policy_for_another_alarm(template: dict) -> None:
    topic = logical_id(template, TOPIC)
    _topic_policy(
        template,
        topic,
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish",
                "Resource": {"Ref": topic},
                "Condition": {
                    "ArnLike": {
                        "aws:SourceArn": {
                            "Fn::Sub": (
                                "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:billing-*"
                            )
                        }
                    }
                },
            }
        ],
    )
