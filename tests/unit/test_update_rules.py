"""The rules behind an update, without a stack: what the emulator decides per resource (update_rules,
the models' handler rules), how deploy checks CloudFormation's change set against the plan
(compare_verdicts), and how events are shown."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tapcheck.emulator.stacks import update_rules as rules
from tapcheck.live import update
from tapcheck.live.events import format_event, settled
from tapcheck.plan.diff import Change, PropertyChange

CLUSTER = "AWS::RDS::DBCluster"
BASE = {
    "DBClusterIdentifier": "aurora-postgres-cluster-prod",
    "DatabaseName": "transactiondb",
    "MasterUsername": "{{resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:1:secret:s:SecretString:username}}",
    "BackupRetentionPeriod": 7,
    "Tags": [{"Key": "A", "Value": "1"}, {"Key": "B", "Value": "2"}],
}


def changed(**edits) -> dict:
    new = dict(BASE)
    for key, value in edits.items():
        if value is None:
            new.pop(key)
        else:
            new[key] = value
    return new


# --- update_rules -----------------------------------------------------------------------------
def test_a_create_only_property_replaces_and_is_static_when_its_value_is_known() -> None:
    [change] = rules.compare(CLUSTER, BASE, changed(DatabaseName="ledger"))
    assert (change.name, change.requires_recreation, change.evaluation) == ("DatabaseName", "Always", "Static")
    assert rules.Verdict([change]).replacement == "True"


def test_removing_a_create_only_property_replaces_too() -> None:
    [change] = rules.compare(CLUSTER, BASE, changed(DBClusterIdentifier=None))
    assert change.requires_recreation == "Always"


def test_a_value_read_from_a_resource_being_replaced_is_dynamic_and_only_conditional() -> None:
    pending = rules.Pending("AuroraCluster")
    [change] = rules.compare(
        "AWS::RDS::DBInstance", {"DBClusterIdentifier": "c1"}, {"DBClusterIdentifier": pending.physical_resource_id}
    )
    assert (change.requires_recreation, change.evaluation, change.causes) == ("Always", "Dynamic", ("AuroraCluster",))
    assert rules.Verdict([change]).replacement == "Conditional"


def test_conditionally_create_only_and_plain_properties() -> None:
    conditional = rules.compare(CLUSTER, BASE, changed(MasterUsername="admin"))
    assert [(c.name, c.requires_recreation) for c in conditional] == [("MasterUsername", "Conditionally")]
    assert rules.Verdict(conditional).replacement == "Conditional"
    plain = rules.compare(CLUSTER, BASE, changed(BackupRetentionPeriod=14))
    assert [(c.name, c.requires_recreation) for c in plain] == [("BackupRetentionPeriod", "Never")]
    assert rules.Verdict(plain).replacement == "False"


def test_the_most_impactful_change_decides_the_replacement() -> None:
    both = rules.compare(CLUSTER, BASE, changed(BackupRetentionPeriod=14, DatabaseName="ledger"))
    assert rules.Verdict(both).replacement == "True"


def test_values_compare_by_meaning() -> None:
    assert rules.compare(CLUSTER, BASE, changed(BackupRetentionPeriod="7")) == []
    assert rules.compare(CLUSTER, BASE, changed(Tags=list(reversed(BASE["Tags"])))) == []


def test_a_custom_name_kept_through_a_replacement_is_found_case_insensitively_for_rds() -> None:
    assert (
        rules.same_custom_name(CLUSTER, BASE, changed(DBClusterIdentifier="Aurora-Postgres-Cluster-PROD"))
        == "Aurora-Postgres-Cluster-PROD"
    )
    assert rules.same_custom_name(CLUSTER, BASE, changed(DBClusterIdentifier="other")) is None
    assert rules.same_custom_name(CLUSTER, BASE, changed(DBClusterIdentifier=None)) is None
    secret = "AWS::SecretsManager::Secret"
    assert rules.same_custom_name(secret, {"Name": "Creds"}, {"Name": "creds"}) is None  # not RDS: case matters


def test_policies_are_attributes_and_update_replace_policy_defaults_to_delete() -> None:
    assert rules.policy_changes({"DeletionPolicy": "Delete"}, {"DeletionPolicy": "Snapshot"}) == ["DeletionPolicy"]
    assert rules.update_replace_policy({}) == "Delete"
    assert rules.update_replace_policy({"UpdateReplacePolicy": "Retain"}) == "Retain"


def test_the_rds_handlers_refuse_what_their_immutability_helpers_refuse() -> None:
    from tapcheck.emulator.resources.rds import AuroraCluster, AuroraInstance

    assert AuroraCluster.not_updatable({"Engine": "aurora-postgresql"}, {"Engine": "aurora-mysql"})
    assert AuroraCluster.not_updatable({"Engine": "aurora"}, {"Engine": "aurora-mysql"}) is None
    assert (
        AuroraCluster.not_updatable(
            {"Engine": "aurora-postgresql", "MasterUsername": "a"},
            {"Engine": "aurora-postgresql", "MasterUsername": "b"},
        )
        is None
    )
    assert AuroraInstance.not_updatable({"AvailabilityZone": "us-east-1a"}, {"AvailabilityZone": "us-east-1b"})
    assert AuroraInstance.not_updatable({"AvailabilityZone": "us-east-1a"}, {"MultiAZ": True}) is None
    assert "MasterUsername" in AuroraCluster.UPDATABLE and "Port" not in AuroraCluster.UPDATABLE


# --- plan against change set --------------------------------------------------------------------
def _plan(resource: str, action: str, replacement: str, *props: str) -> Change:
    return Change(
        resource,
        CLUSTER,
        action,
        replacement,
        None,
        None,
        [PropertyChange(p, 1, 2, replacement, "") for p in props or ("X",)],
    )


def _cfn(resource: str, action: str, replacement: str | None = None) -> dict:
    change = {"LogicalResourceId": resource, "Action": action, "ResourceType": CLUSTER}
    if replacement:
        change["Replacement"] = replacement
    return change


@pytest.mark.parametrize(
    "plan, cfn, agree",
    [
        (_plan("R", "modify", "false"), _cfn("R", "Modify", "False"), True),
        (_plan("R", "replace", "true"), _cfn("R", "Modify", "True"), True),
        (_plan("R", "modify", "conditional"), _cfn("R", "Modify", "Conditional"), True),
        (_plan("R", "replace", "true"), _cfn("R", "Modify", "Conditional"), True),  # CloudFormation: Dynamic
        (_plan("R", "modify", "false"), _cfn("R", "Modify", "Conditional"), False),  # may replace unannounced
        (_plan("R", "modify", "false"), _cfn("R", "Modify", "True"), False),
        (_plan("R", "replace", "true"), _cfn("R", "Modify", "False"), False),
        (_plan("R", "add", "false"), _cfn("R", "Add"), True),
        (_plan("R", "remove", "false"), _cfn("R", "Remove"), True),
        (_plan("R", "add", "false"), _cfn("R", "Modify", "False"), False),
        (None, _cfn("R", "Modify", "False"), False),
        (_plan("R", "modify", "false"), None, False),
        (_plan("R", "modify", "false", "DeletionPolicy"), None, True),  # no call to the resource
    ],
)
def test_compare_verdicts(plan, cfn, agree) -> None:
    rows = update.compare_verdicts([plan] if plan else [], [cfn] if cfn else [])
    assert [(r.resource, r.agree) for r in rows] == [("R", agree)]
    assert ("DISAGREE" in update.render_verdicts(rows)) is not agree


def test_every_resource_either_side_changes_gets_a_row() -> None:
    rows = update.compare_verdicts(
        [_plan("A", "modify", "false"), _plan("B", "replace", "true")], [_cfn("B", "Modify", "True"), _cfn("C", "Add")]
    )
    assert [(r.resource, r.agree) for r in rows] == [("A", False), ("B", True), ("C", False)]


# --- events -------------------------------------------------------------------------------------
def test_an_event_shows_the_time_since_the_operation_started_and_its_reason() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    line = format_event(
        {
            "Timestamp": start + timedelta(seconds=754.25),
            "LogicalResourceId": "AuroraCluster",
            "ResourceType": CLUSTER,
            "ResourceStatus": "UPDATE_FAILED",
            "ResourceStatusReason": "Rename it",
        },
        start,
    )
    assert line.startswith("  [  754.2 s] AuroraCluster") and line.endswith("UPDATE_FAILED  Rename it")
    quiet = format_event(
        {
            "Timestamp": start,
            "LogicalResourceId": "s",
            "ResourceType": "AWS::CloudFormation::Stack",
            "ResourceStatus": "UPDATE_IN_PROGRESS",
            "ResourceStatusReason": "User Initiated",
        },
        start,
    )
    assert quiet.endswith("UPDATE_IN_PROGRESS")


@pytest.mark.parametrize(
    "status, done",
    [
        ("UPDATE_IN_PROGRESS", False),
        ("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", False),
        ("UPDATE_COMPLETE", True),
        ("UPDATE_ROLLBACK_COMPLETE", True),
        (None, True),
    ],
)
def test_settled(status, done) -> None:
    assert settled(status) is done
