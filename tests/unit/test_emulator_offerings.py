"""Create-time refusals the emulator shares with AWS (read from cfn-lint's data) and the IAM
capability a template needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tapcheck.emulator import capabilities, rds_offerings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version", ["15.4", "15.3", "15", "15.99", "14.5", "9.6.3"])
def test_deprecated_or_unknown_engine_versions_are_refused(version: str) -> None:
    assert (
        rds_offerings.engine_version_refusal("aurora-postgresql", version)
        == f"Cannot find version {version} for aurora-postgresql"
    )


@pytest.mark.parametrize("version", ["15.12", "15.10", "16.8", "17.5"])
def test_supported_engine_versions_are_accepted(version: str) -> None:
    assert rds_offerings.engine_version_refusal("aurora-postgresql", version) is None


def test_the_default_engine_version_is_a_supported_15_minor() -> None:
    version = rds_offerings.default_engine_version("aurora-postgresql")
    assert version and version.startswith("15.")
    assert rds_offerings.engine_version_refusal("aurora-postgresql", version) is None


@pytest.mark.parametrize("instance_class", ["db.t2.small", "db.m1.small", "db.r3.large", "db.serverles"])
def test_instance_classes_not_offered_for_aurora_postgresql_are_refused(instance_class: str) -> None:
    text = rds_offerings.instance_class_refusal("aurora-postgresql", "15.12", instance_class, "us-east-1")
    assert text is not None and text.startswith(
        "RDS does not support creating a DB instance with the following combination: "
        f"DBInstanceClass={instance_class}, Engine=aurora-postgresql, EngineVersion=15.12"
    )


@pytest.mark.parametrize("instance_class", ["db.serverless", "db.r6g.large", "db.t4g.medium"])
def test_offered_instance_classes_are_accepted(instance_class: str) -> None:
    assert rds_offerings.instance_class_refusal("aurora-postgresql", "15.12", instance_class, "us-east-1") is None


def test_default_cluster_parameter_group_follows_engine_and_major_version() -> None:
    assert rds_offerings.default_cluster_parameter_group("aurora-postgresql", "15.12") == "default.aurora-postgresql15"
    assert rds_offerings.default_cluster_parameter_group("aurora-postgresql", "16.8") == "default.aurora-postgresql16"
    assert rds_offerings.default_group_family("default.aurora-postgresql15") == "aurora-postgresql15"
    assert rds_offerings.default_group_family("aurora-pg-params-prod") is None
    assert rds_offerings.default_cluster_parameters("aurora-postgresql15") == {
        "rds.force_ssl": "0",
        "log_statement": "none",
    }


def _template(role_props: dict) -> dict:
    return {
        "Resources": {
            "Role": {"Type": "AWS::IAM::Role", "Properties": role_props},
            "Topic": {"Type": "AWS::SNS::Topic"},
        }
    }


def test_named_iam_needs_capability_named_iam() -> None:
    seed = json.loads((ROOT / "lib" / "TapStack.json").read_text())
    assert capabilities.required(seed) == "CAPABILITY_NAMED_IAM"
    assert capabilities.missing(seed, ["CAPABILITY_IAM"]) == "CAPABILITY_NAMED_IAM"
    assert capabilities.missing(seed, []) == "CAPABILITY_NAMED_IAM"
    assert capabilities.missing(seed, ["CAPABILITY_NAMED_IAM"]) is None
    assert capabilities.refusal("CAPABILITY_NAMED_IAM") == "Requires capabilities : [CAPABILITY_NAMED_IAM]"


def test_unnamed_iam_needs_either_capability() -> None:
    template = _template({"AssumeRolePolicyDocument": {}})
    assert capabilities.missing(template, None) == "CAPABILITY_IAM"
    assert capabilities.missing(template, ["CAPABILITY_IAM"]) is None
    assert capabilities.missing(template, ["CAPABILITY_NAMED_IAM"]) is None


@pytest.mark.parametrize(
    "rtype, name_property",
    [
        ("AWS::IAM::User", "UserName"),
        ("AWS::IAM::Group", "GroupName"),
        ("AWS::IAM::ManagedPolicy", "ManagedPolicyName"),
        ("AWS::IAM::InstanceProfile", "InstanceProfileName"),
    ],
)
def test_every_named_iam_type_counts(rtype: str, name_property: str) -> None:
    template = {"Resources": {"X": {"Type": rtype, "Properties": {name_property: {"Fn::Sub": "x-${AWS::StackName}"}}}}}
    assert capabilities.missing(template, ["CAPABILITY_IAM"]) == "CAPABILITY_NAMED_IAM"


def test_a_template_without_iam_needs_no_capability() -> None:
    assert capabilities.missing({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}}, []) is None


@pytest.mark.parametrize(
    "cluster_id, user, password, database, refused",
    [
        ("aurora-postgres-cluster-prod", "dbadmin", "Abc123!#", "transactiondb", None),
        ("../../etc", "dbadmin", "Abc123!#", "db", "DBClusterIdentifier"),
        ("c--1", "dbadmin", "Abc123!#", "db", "DBClusterIdentifier"),
        ("c-", "dbadmin", "Abc123!#", "db", "DBClusterIdentifier"),
        ("c", 'a","b', "Abc123!#", "db", "MasterUsername"),
        ("c", "a" * 17, "Abc123!#", "db", "MasterUsername"),
        ("c", "rdsadmin", "Abc123!#", "db", "MasterUsername rdsadmin cannot be used as it is a reserved word"),
        ("c", "RDS_SUPERUSER", "Abc123!#", "db", "reserved word"),
        ("c", "pg_monitor", "Abc123!#", "db", "reserved word"),
        ("c", "postgres", "Abc123!#", "db", None),
        ("c", "dbadmin", "pass word", "db", "MasterUserPassword"),
        ("c", "dbadmin", "pass\nword", "db", "MasterUserPassword"),
        ("c", "dbadmin", "pass@word", "db", "MasterUserPassword"),
        ("c", "dbadmin", "Abc123!#", 'evil" CONNECTION LIMIT 0 --', "DatabaseName"),
        ("c", "dbadmin", "Abc123!#", "1db", "DatabaseName"),
    ],
)
def test_rds_identifier_rules(cluster_id, user, password, database, refused) -> None:
    from tapcheck.emulator.resources.rds import identifier_refusal

    text = identifier_refusal(cluster_id, user, password, database)
    assert (text is None) if refused is None else (refused in text)
