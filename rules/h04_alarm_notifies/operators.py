"""H4 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from typing import Any

from tapcheck.mutation.locate import (
    NotApplicable,
    alarm_topic,
    cpu_alarm,
    credential_secret,
    new_id,
    properties,
    referred,
)
from tapcheck.requirements.common import KMS_KEY
from tapcheck.requirements.unit import operator


@operator("alarm-notifies", ["removed", "empty", "literal-arn", "secret", "ok-only"])
def alarm_action_not_topic(t, how):
    """The CPU alarm notifies no SNS topic of this stack."""
    alarm = properties(cpu_alarm(t)[1])
    if how == "removed":
        alarm.pop("AlarmActions")
    elif how == "empty":
        alarm["AlarmActions"] = []
    elif how == "literal-arn":
        alarm["AlarmActions"] = ["arn:aws:sns:us-east-1:123456789012:someone-elses-topic"]
    elif how == "secret":
        alarm["AlarmActions"] = [{"Ref": credential_secret(t)[0]}]
    else:
        topic = alarm_topic(t)[0]
        alarm.pop("AlarmActions")
        alarm["OKActions"] = [{"Ref": topic}]


@operator("alarm-notifies", [False, "false"])
def alarm_actions_disabled(t, value):
    properties(cpu_alarm(t)[1])["ActionsEnabled"] = value


# --- alarm-topic-deliverable -----------------------------------------------------------------


def _topic_key(t) -> dict:
    return properties(alarm_topic(t)[1])


AWS_MANAGED_SPELLINGS = ["alias", "alias-arn", "sub-arn", "join-arn", "parameter-default"]


@operator("alarm-topic-deliverable", AWS_MANAGED_SPELLINGS)
def topic_key_aws_managed(t, how):
    """The alarm topic encrypted with the AWS managed key aws/sns, spelt any way."""
    value: str | dict[str, Any]
    if how == "alias":
        value = "alias/aws/sns"
    elif how == "alias-arn":
        value = "arn:aws:kms:us-east-1:123456789012:alias/aws/sns"
    elif how == "sub-arn":
        value = {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/sns"}
    elif how == "join-arn":
        value = {
            "Fn::Join": [
                ":",
                [
                    "arn",
                    {"Ref": "AWS::Partition"},
                    "kms",
                    {"Ref": "AWS::Region"},
                    {"Ref": "AWS::AccountId"},
                    "alias/aws/sns",
                ],
            ]
        }
    else:
        name = new_id(t, "AlarmTopicKeyId")
        t.setdefault("Parameters", {})[name] = {
            "Type": "String",
            "Default": "alias/aws/sns",
            "Description": "Key of the alarm topic",
        }
        value = {"Ref": name}
    _topic_key(t)["KmsMasterKeyId"] = value


def _key_policy(t) -> dict:
    key = referred(t, _topic_key(t).get("KmsMasterKeyId"), KMS_KEY)
    return properties(key[1])["KeyPolicy"]


def _publisher_statements(policy: dict) -> list[dict]:
    return [s for s in policy["Statement"] if "cloudwatch.amazonaws.com" in str(s.get("Principal"))]


@operator(
    "alarm-topic-deliverable",
    [
        "removed",
        "decrypt-only",
        "generate-only",
        "conditional",
        "other-service",
        "deny-all",
        "other-alarm",
        "other-service-arn",
        "deny-other-accounts-literal",
    ],
)
def topic_key_policy_shuts_out_cloudwatch(t, how):
    """The stack's topic key no longer lets CloudWatch decrypt and generate data keys."""
    policy = _key_policy(t)
    statements = _publisher_statements(policy)
    if not statements:
        raise NotApplicable("no statement for CloudWatch")
    grant = statements[0]
    if how == "removed":
        policy["Statement"] = [s for s in policy["Statement"] if s is not grant]
    elif how == "decrypt-only":
        grant["Action"] = ["kms:Decrypt"]
    elif how == "generate-only":
        grant["Action"] = "kms:GenerateDataKey*"
    elif how == "conditional":
        grant["Condition"] = {"StringEquals": {"aws:SourceAccount": "111122223333"}}
    elif how == "other-service":
        grant["Principal"] = {"Service": "events.amazonaws.com"}
    elif how == "other-alarm":  # a condition no request of this stack's alarms can meet
        grant["Condition"] = {
            "ArnLike": {
                "aws:SourceArn": {
                    "Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:billing-*"
                }
            }
        }
    elif how == "other-service-arn":
        grant["Condition"] = {
            "ArnLike": {"aws:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:*"}}
        }
    elif how == "deny-other-accounts-literal":  # a Deny whose literal account is not shown to be this one
        policy["Statement"].append(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "kms:*",
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {"aws:SourceAccount": "111122223333"},
                    "Bool": {"aws:PrincipalIsAWSService": "true"},
                },
            }
        )
    else:
        policy["Statement"].append(
            {"Effect": "Deny", "Principal": {"Service": "cloudwatch.amazonaws.com"}, "Action": "kms:*", "Resource": "*"}
        )


# --- the key or the topic cannot be used, whatever the policy says ---------------------------


@operator("alarm-topic-deliverable", ["disabled", "disabled-string", "rsa", "hmac", "sign-verify"])
def topic_key_unusable(t, how):
    """The alarm topic's key is disabled, or not a symmetric encryption key (SNS takes no other)."""
    key = properties(referred(t, _topic_key(t).get("KmsMasterKeyId"), KMS_KEY)[1])
    edits: dict[str, dict[str, Any]] = {
        "disabled": {"Enabled": False},
        "disabled-string": {"Enabled": "false"},
        "rsa": {"KeySpec": "RSA_3072", "KeyUsage": "ENCRYPT_DECRYPT"},
        "hmac": {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        "sign-verify": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
    }
    edit = edits[how]
    key.update(edit)
    if "KeySpec" in edit:
        key.pop("EnableKeyRotation", None)  # only symmetric encryption keys rotate: keep the break to the spec


@operator(
    "alarm-topic-deliverable",
    [
        "service",
        "everyone",
        "any-aws",
        "publish-by-wildcard",
        "allow-other-alarm",
        "allow-other-account",
        "allow-owner-only",
    ],
)
def topic_policy_denies_cloudwatch(t, how):
    """A topic policy on the alarm topic denies CloudWatch sns:Publish, or (replacing the default
    policy) allows it only for requests CloudWatch never makes for this stack's alarms."""
    topic = alarm_topic(t)[0]
    if how.startswith("allow-"):
        statement = {
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": {"Ref": topic},
        }
        if how == "allow-other-alarm":
            statement["Condition"] = {
                "ArnEquals": {
                    "aws:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:other-alarm"
                    }
                }
            }
        elif how == "allow-other-account":
            statement["Condition"] = {"StringEquals": {"aws:SourceAccount": "111122223333"}}
        else:
            statement["Principal"] = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
        t["Resources"][new_id(t, "AlarmTopicPolicy")] = {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": topic}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            },
        }
        return
    principal = {
        "service": {"Service": "cloudwatch.amazonaws.com"},
        "everyone": "*",
        "any-aws": {"AWS": "*"},
        "publish-by-wildcard": {"Service": ["events.amazonaws.com", "cloudwatch.amazonaws.com"]},
    }[how]
    action = "sns:Pub*" if how == "publish-by-wildcard" else "sns:Publish"
    t["Resources"][new_id(t, "AlarmTopicPolicy")] = {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {
            "Topics": [{"Ref": topic}],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Principal": principal, "Action": action, "Resource": {"Ref": topic}}],
            },
        },
    }
