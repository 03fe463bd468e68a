"""The AWS behaviours the gate encodes, one test each, and docs/aws-behaviour.md kept honest: every
row of its table names tests that exist."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from tapcheck.gate import check_requirements
from tapcheck.loader import parse_text
from tapcheck.model import build_model

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = json.loads((ROOT / "lib" / "TapStack.json").read_text())


def failing_checks(template: dict) -> dict[str, list[str]]:
    text = json.dumps(template)
    model = build_model("t.json", parse_text(text, "t.json"))
    found: dict[str, list[str]] = {}
    for f in check_requirements(model, "t.json"):
        if f.blocking:  # advisories report, they never fail a check
            found.setdefault(f.check, []).append(f.message)
    return found


def of_type(template: dict, resource_type: str) -> dict:
    return next(r for r in template["Resources"].values() if r["Type"] == resource_type)


def test_update_replace_policy_defaults_to_delete_for_every_type():
    t = copy.deepcopy(TEMPLATE)
    for resource in t["Resources"].values():
        resource.pop("UpdateReplacePolicy", None)
    assert "delete-policies" not in failing_checks(t)
    of_type(t, "AWS::RDS::DBCluster").pop("DeletionPolicy")  # DeletionPolicy does default to Snapshot
    assert "Snapshot" in failing_checks(t)["delete-policies"][0]


@pytest.mark.parametrize(
    "key",
    [
        "alias/aws/sns",
        "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns",
        {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/sns"},
        {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":kms:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    ":alias/aws/sns",
                ],
            ]
        },
        "parameter",
    ],
)
def test_an_alarm_cannot_publish_to_a_topic_under_aws_sns_in_any_spelling(key):
    t = copy.deepcopy(TEMPLATE)
    if key == "parameter":
        t["Parameters"]["TopicKey"] = {"Type": "String", "Default": "alias/aws/sns"}
        key = {"Ref": "TopicKey"}
    of_type(t, "AWS::SNS::Topic")["Properties"]["KmsMasterKeyId"] = key
    [message] = failing_checks(t)["alarm-topic-deliverable"]
    assert "AWS managed key" in message


@pytest.mark.parametrize(
    "actions, delivers",
    [
        (["kms:Decrypt", "kms:GenerateDataKey*"], True),
        ("kms:*", True),
        ("*", True),
        (["kms:Decrypt", "kms:GenerateDataKey"], True),
        (["kms:Decrypt"], False),
        ("kms:Encrypt", False),
    ],
)
def test_a_stack_key_must_let_cloudwatch_decrypt_and_generate_data_keys(actions, delivers):
    t = copy.deepcopy(TEMPLATE)
    statements = of_type(t, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    grant = next(s for s in statements if "cloudwatch.amazonaws.com" in json.dumps(s.get("Principal")))
    grant["Action"] = actions
    assert ("alarm-topic-deliverable" not in failing_checks(t)) is delivers


def test_a_condition_or_a_deny_takes_cloudwatchs_grant_away():
    t = copy.deepcopy(TEMPLATE)
    statements = of_type(t, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    statements.append(
        {
            "Effect": "Deny",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "kms:Decrypt",
            "Resource": "*",
        }
    )
    assert "alarm-topic-deliverable" in failing_checks(t)
    t = copy.deepcopy(TEMPLATE)
    grant = next(
        s
        for s in of_type(t, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
        if "cloudwatch.amazonaws.com" in json.dumps(s.get("Principal"))
    )
    grant["Condition"] = {"StringEquals": {"aws:SourceAccount": "111122223333"}}
    assert "alarm-topic-deliverable" in failing_checks(t)


def test_rds_writes_the_postgresql_log_to_the_group_named_after_the_lowercased_cluster():
    t = copy.deepcopy(TEMPLATE)
    group = of_type(t, "AWS::Logs::LogGroup")["Properties"]
    group["LogGroupName"] = {"Fn::Sub": "/aws/rds/cluster/aurora-postgres-cluster-${EnvironmentSuffix}/error"}
    assert "No log group of the stack is named" in failing_checks(t)["postgresql-log-group"][0]
    t = copy.deepcopy(TEMPLATE)
    t["Parameters"]["EnvironmentSuffix"]["AllowedPattern"] = "^[a-zA-Z0-9]+$"
    assert "lower case" in failing_checks(t)["postgresql-log-group"][0]
    t = copy.deepcopy(TEMPLATE)
    of_type(t, "AWS::RDS::DBCluster").pop("DependsOn")
    assert "does not wait for the log group" in failing_checks(t)["postgresql-log-group"][0]


def test_performance_insights_needs_the_2_acu_minimum_aws_recommends():
    t = copy.deepcopy(TEMPLATE)
    of_type(t, "AWS::RDS::DBInstance")["Properties"]["EnablePerformanceInsights"] = True
    assert "performance-insights-capacity" in failing_checks(t)
    of_type(t, "AWS::RDS::DBCluster")["Properties"]["ServerlessV2ScalingConfiguration"]["MinCapacity"] = 2
    assert "performance-insights-capacity" not in failing_checks(t)  # (R2 fails instead)
    assert "capacity" in failing_checks(t)


# --- effective state on a requirement's path (issue 16) -------------------------------------------


def _with_alias(t: dict, alias_name="alias/aurora-alarms") -> dict:
    key_id = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::KMS::Key")
    t["Resources"]["TopicKeyAlias"] = {
        "Type": "AWS::KMS::Alias",
        "Properties": {"AliasName": alias_name, "TargetKeyId": {"Fn::GetAtt": [key_id, "Arn"]}},
    }
    return t


@pytest.mark.parametrize(
    "spelling",
    [
        {"Ref": "TopicKeyAlias"},
        "alias/aurora-alarms",
        {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aurora-alarms"},
        {
            "Fn::Join": [
                ":",
                [
                    "arn",
                    {"Ref": "AWS::Partition"},
                    "kms",
                    {"Ref": "AWS::Region"},
                    {"Ref": "AWS::AccountId"},
                    "alias/aurora-alarms",
                ],
            ]
        },
        {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${AlarmTopicKey}"},
    ],
    ids=["ref-alias", "alias-name", "alias-arn-sub", "alias-arn-join", "key-arn-sub"],
)
def test_a_key_named_through_the_stacks_alias_or_arn_is_the_stacks_key(spelling):
    t = _with_alias(copy.deepcopy(TEMPLATE))
    of_type(t, "AWS::SNS::Topic")["Properties"]["KmsMasterKeyId"] = spelling
    assert "alarm-topic-deliverable" not in failing_checks(t)
    of_type(t, "AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"][1]["Principal"] = {
        "Service": "sns.amazonaws.com"
    }
    assert "alarm-topic-deliverable" in failing_checks(t)  # the key's policy is read through the alias


def test_an_alias_of_another_account_is_not_the_stacks_key():
    t = _with_alias(copy.deepcopy(TEMPLATE))
    of_type(t, "AWS::SNS::Topic")["Properties"]["KmsMasterKeyId"] = (
        "arn:aws:kms:us-east-1:111122223333:alias/aurora-alarms"
    )
    assert "cannot be known" in failing_checks(t)["alarm-topic-deliverable"][0]


@pytest.mark.parametrize(
    "edit",
    [
        {"Enabled": False},
        {"Enabled": "false"},
        {"KeySpec": "RSA_3072"},
        {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        {"KeyUsage": "SIGN_VERIFY"},
    ],
    ids=["disabled", "disabled-string", "rsa", "hmac", "sign-verify"],
)
def test_sns_cannot_encrypt_with_a_disabled_or_non_symmetric_key(edit):
    t = copy.deepcopy(TEMPLATE)
    of_type(t, "AWS::KMS::Key")["Properties"].update(edit)
    messages = failing_checks(t)["alarm-topic-deliverable"]
    assert any("AlarmTopicKey" in m and "H4" in m for m in messages), messages


def test_a_topic_policy_denying_cloudwatch_publish_stops_the_alarm():
    t = copy.deepcopy(TEMPLATE)
    topic = next(k for k, r in t["Resources"].items() if r["Type"] == "AWS::SNS::Topic")
    statement = {"Effect": "Deny", "Principal": "*", "Action": "SNS:Publish", "Resource": "*"}
    t["Resources"]["TopicPolicy"] = {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {"Topics": [{"Ref": topic}], "PolicyDocument": {"Statement": [statement]}},
    }
    assert "TopicPolicy" in failing_checks(t)["alarm-topic-deliverable"][0]
    statement["Action"] = "sns:Subscribe"
    # a topic policy replaces the default one: without an Allow, CloudWatch may not publish either
    # (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger)
    assert "does not allow cloudwatch.amazonaws.com sns:Publish" in failing_checks(t)["alarm-topic-deliverable"][0]
    t["Resources"]["TopicPolicy"]["Properties"]["PolicyDocument"]["Statement"].append(
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": {"Ref": topic},
        }
    )
    assert "alarm-topic-deliverable" not in failing_checks(t)


def _role(t: dict) -> dict:
    return of_type(t, "AWS::IAM::Role")["Properties"]


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"},
    ],
)
def test_the_monitoring_role_needs_the_permissions_of_the_managed_policy(arn):
    t = copy.deepcopy(TEMPLATE)
    _role(t)["ManagedPolicyArns"] = [arn]
    assert "enhanced-monitoring" not in failing_checks(t)
    _role(t)["ManagedPolicyArns"] = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert "not allowed logs:CreateLogGroup" in failing_checks(t)["enhanced-monitoring"][0]


def test_a_deny_or_a_boundary_takes_the_monitoring_permissions_away():
    t = copy.deepcopy(TEMPLATE)
    _role(t)["Policies"] = [
        {"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Deny", "Action": "logs:*", "Resource": "*"}]}}
    ]
    assert "denies" in failing_checks(t)["enhanced-monitoring"][0]
    del _role(t)["Policies"]
    _role(t)["PermissionsBoundary"] = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    assert "enhanced-monitoring" not in failing_checks(t)
    _role(t)["PermissionsBoundary"] = "arn:aws:iam::123456789012:policy/boundary"
    assert "cannot be known" in failing_checks(t)["enhanced-monitoring"][0]


def test_a_role_arn_written_with_sub_is_the_stacks_role():
    t = copy.deepcopy(TEMPLATE)
    for resource in t["Resources"].values():
        if resource["Type"] == "AWS::RDS::DBInstance":
            resource["Properties"]["MonitoringRoleArn"] = {
                "Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"
                "aurora-monitoring-role-${EnvironmentSuffix}"
            }
    assert "enhanced-monitoring" not in failing_checks(t)
    _role(t)["Path"] = "/service/"
    assert "enhanced-monitoring" in failing_checks(t)  # the ARN now misses the role's path


# --- docs/aws-behaviour.md -----------------------------------------------------------------------

ROW = re.compile(
    r"^\| (?P<behaviour>[^|]+) \| (?P<page>[^|]+) \| (?P<says>[^|]+) \| (?P<gate>[^|]+) \| (?P<emulator>[^|]+) "
    r"\| (?P<tests>[^|]+) \|$"
)
LOCALISED = re.compile(r"docs\.amazonaws\.cn|docs\.aws\.amazon\.com/[a-z]{2}_[a-z]{2}/|repost\.aws/[a-z]{2}/")
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(test_\w+)`")


def behaviour_rows() -> list[dict]:
    text = (ROOT / "docs" / "aws-behaviour.md").read_text()
    rows = [m.groupdict() for line in text.splitlines() if (m := ROW.match(line))]
    return [r for r in rows if not r["behaviour"].startswith(("behaviour", "---"))]


def test_every_behaviour_row_cites_a_page_and_names_tests_that_exist():
    rows = behaviour_rows()
    assert len(rows) >= 20
    for row in rows:
        assert "https://" in row["page"] or "silent" in row["page"], row["behaviour"]
        # the sentence it rests on, or the docs' silence, or that it could not be re-read: never nothing
        assert '"' in row["says"] or "docs silent" in row["says"] or "not re-read" in row["says"], row["behaviour"]
        assert not LOCALISED.search(row["page"]), f"{row['behaviour']}: cite the English page"
        refs = TEST_REF.findall(row["tests"])
        assert refs, f"{row['behaviour']}: no test named"
        for path, name in refs:
            source = (ROOT / path).read_text()
            assert re.search(rf"^def {name}\(", source, re.MULTILINE), (
                f"{row['behaviour']}: {path}::{name} does not exist"
            )


def test_the_probe_helpers_keep_allowed_and_denied_apart():
    """The H5 probe asks first whether an Allow applies, then whether a Deny does: a Deny beside the
    managed policy is reported as the Deny (rules/h05_enhanced_monitoring/probes.py)."""
    from tapcheck.rules.h05_enhanced_monitoring.checks import MANAGED_POLICY_DOCUMENT, allowed, denied

    deny = {"Statement": [{"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]}
    where = ("aws", "eu-west-1", "111122223333")
    assert allowed([MANAGED_POLICY_DOCUMENT, deny], "logs:PutLogEvents", "stream", where) is True
    assert denied([MANAGED_POLICY_DOCUMENT, deny], "logs:PutLogEvents", "stream", where) is True
    assert allowed([deny], "logs:PutLogEvents", "stream", where) is False
    assert denied([MANAGED_POLICY_DOCUMENT], "logs:PutLogEvents", "stream", where) is False
