"""tapcheck.references: which resource of the stack a value names, in each form CloudFormation
resolves (Ref, GetAtt, Sub/Join ARNs, parameter defaults, mappings, conditions, KMS aliases)."""

from __future__ import annotations

import pytest

from tapcheck.model import build_model
from tapcheck.references import aws_managed_service, key_of, role_of, topic_of

ARN = "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:"


def _template(key_ref) -> dict:
    return {
        "Parameters": {
            "Suffix": {"Type": "String", "Default": "dev"},
            "TopicKey": {"Type": "String", "Default": "alias/alarms-dev"},
            "Stage": {"Type": "String", "Default": "prod"},
        },
        "Mappings": {"Keys": {"prod": {"Alias": "alias/alarms-dev"}}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {}}},
            "OtherKey": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {}}},
            "Alias": {
                "Type": "AWS::KMS::Alias",
                "Properties": {
                    "AliasName": {"Fn::Sub": "alias/alarms-${Suffix}"},
                    "TargetKeyId": {"Fn::GetAtt": ["Key", "Arn"]},
                },
            },
            "Topic": {
                "Type": "AWS::SNS::Topic",
                "Properties": {"TopicName": {"Fn::Sub": "alarms-${Suffix}"}, "KmsMasterKeyId": key_ref},
            },
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "monitoring", "Path": "/svc/"}},
        },
    }


def _key_of(key_ref):
    model = build_model("t.json", _template(key_ref))
    found = key_of(model, model.resources["Topic"].get("KmsMasterKeyId"))
    return found.logical_id if found else None


@pytest.mark.parametrize(
    "key_ref",
    [
        {"Ref": "Key"},
        {"Fn::GetAtt": ["Key", "Arn"]},
        {"Fn::GetAtt": ["Key", "KeyId"]},
        {"Ref": "Alias"},
        {"Fn::Sub": "alias/alarms-${Suffix}"},
        {"Fn::Sub": ARN + "alias/alarms-${Suffix}"},
        {
            "Fn::Join": [
                ":",
                [
                    "arn",
                    {"Ref": "AWS::Partition"},
                    "kms",
                    {"Ref": "AWS::Region"},
                    {"Ref": "AWS::AccountId"},
                    {"Fn::Join": ["-", ["alias/alarms", {"Ref": "Suffix"}]]},
                ],
            ]
        },
        {"Fn::Sub": ARN + "key/${Key}"},
        {"Fn::If": ["IsProd", {"Ref": "Alias"}, {"Ref": "OtherKey"}]},
    ],
    ids=[
        "ref",
        "arn",
        "keyid",
        "alias-ref",
        "alias-name",
        "alias-arn-sub",
        "alias-arn-join",
        "key-arn-sub",
        "if",
    ],
)
def test_every_spelling_of_the_stacks_key_resolves_to_it(key_ref):
    assert _key_of(key_ref) == "Key"


@pytest.mark.parametrize(
    "key_ref",
    [
        "alias/alarms-prod",
        # the alias's name at the default suffix, written out: another stack's alias in every other deployment
        "alias/alarms-dev",
        {"Ref": "TopicKey"},
        {"Fn::FindInMap": ["Keys", {"Ref": "Stage"}, "Alias"]},
        "arn:aws:kms:us-east-1:111122223333:alias/alarms-dev",
        {"Fn::Sub": "arn:${AWS::Partition}:kms:eu-west-1:${AWS::AccountId}:alias/alarms-dev"},
        {"Fn::Sub": ARN + "key/1234abcd-12ab-34cd-56ef-1234567890ab"},
        "alias/aws/sns",
    ],
)
def test_other_keys_are_not_the_stacks(key_ref):
    assert _key_of(key_ref) is None


def test_role_and_topic_arns():
    model = build_model("t.json", _template({"Ref": "Key"}))
    resolve = model.resolver.resolve
    role_arn = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/svc/"
    assert role_of(model, resolve({"Fn::GetAtt": ["Role", "Arn"]})).logical_id == "Role"
    assert role_of(model, resolve({"Fn::Sub": role_arn + "monitoring"})).logical_id == "Role"
    assert role_of(model, resolve({"Fn::Sub": role_arn + "${Role}"})).logical_id == "Role"
    assert role_of(model, resolve({"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/monitoring"})) is None
    assert role_of(model, resolve({"Fn::Sub": "arn:aws:iam::123456789012:role/svc/monitoring"})) is None
    topic_arn = "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:"
    for spelling in (
        {"Ref": "Topic"},
        {"Fn::GetAtt": ["Topic", "TopicArn"]},
        {"Fn::Sub": topic_arn + "alarms-${Suffix}"},
        {"Fn::Sub": topic_arn + "${Topic.TopicName}"},
    ):
        assert topic_of(model, resolve(spelling)).logical_id == "Topic", spelling
    assert topic_of(model, resolve("alarms-dev")) is None  # a name is not an ARN


def test_aws_managed_key_spellings():
    model = build_model("t.json", _template({"Ref": "Key"}))
    resolve = model.resolver.resolve
    assert aws_managed_service(resolve("alias/aws/sns")) == "sns"
    assert aws_managed_service(resolve({"Fn::Sub": ARN + "alias/aws/rds"})) == "rds"
    assert aws_managed_service(resolve("arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/aws/rds")) == "rds"
    assert aws_managed_service(resolve({"Ref": "Alias"})) is None
    assert aws_managed_service(resolve("alias/awsome/rds")) is None


def test_a_name_built_from_a_parameter_is_not_named_by_its_default_written_out():
    """'group-prod' equals the group's name group-${Suffix} at the default alone: in a stack deployed with
    another Suffix it names another stack's group. A value built from the same parameter names it."""
    from tapcheck.references import names

    tree = {
        "Parameters": {"Suffix": {"Type": "String", "Default": "prod"}, "Other": {"Type": "String", "Default": "prod"}},
        "Resources": {
            "Group": {
                "Type": "AWS::RDS::DBSubnetGroup",
                "Properties": {"DBSubnetGroupName": {"Fn::Sub": "group-${Suffix}"}},
            },
            "Fixed": {"Type": "AWS::RDS::DBSubnetGroup", "Properties": {"DBSubnetGroupName": "fixed"}},
        },
    }
    model = build_model("t.json", tree)
    resolve = model.resolver.resolve
    group, fixed = model.resources["Group"], model.resources["Fixed"]
    assert names(model, resolve({"Fn::Sub": "group-${Suffix}"}), group)
    assert names(model, resolve({"Fn::Join": ["-", ["group", {"Ref": "Suffix"}]]}), group)
    assert not names(model, resolve("group-prod"), group)
    assert not names(model, resolve({"Fn::Sub": "group-${Other}"}), group)
    assert names(model, resolve("fixed"), fixed)
