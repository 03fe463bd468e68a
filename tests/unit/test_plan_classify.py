"""tapcheck plan classifies edits of lib/TapStack.json as CloudFormation would carry them out.

Edits find resources by type, never by logical id, so the tests hold for any rewrite of the
template that keeps its meaning.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tapcheck.loader import parse_text
from tapcheck.plan.planner import Allow, Plan, make_plan
from tapcheck.plan.sources import Version

ROOT = Path(__file__).resolve().parents[2]
BASE = json.loads((ROOT / "lib" / "TapStack.json").read_text())


# --- helpers ---------------------------------------------------------------------------------


def edit() -> dict:
    return copy.deepcopy(BASE)


def logical_id(template: dict, resource_type: str) -> str:
    found = [lid for lid, r in template["Resources"].items() if r["Type"] == resource_type]
    assert found, f"no {resource_type} in the template"
    return found[0]


def ids(template: dict, resource_type: str) -> list[str]:
    return [lid for lid, r in template["Resources"].items() if r["Type"] == resource_type]


def props(template: dict, resource_type: str) -> dict:
    return template["Resources"][logical_id(template, resource_type)]["Properties"]


def plan(old: dict, new: dict | str, parameters: dict | None = None, allow: tuple = ()) -> Plan:
    new_text = new if isinstance(new, str) else json.dumps(new)
    return make_plan(
        Version("old", parse_text(json.dumps(old))),
        Version("new", parse_text(new_text)),
        parameters or {},
        [Allow(a, f"--allow {a}") for a in allow],
    )


def change(result: Plan, resource: str):
    found = [c for c in result.changes if c.resource == resource]
    assert found, f"{resource} not among the changes: {[c.resource for c in result.changes]}"
    return found[0]


def risks(result: Plan, resource: str, certain: bool = True) -> set[str]:
    return {r.name for r in change(result, resource).risks if r.certain == certain}


def blocked(result: Plan) -> set[str]:
    from tapcheck.plan.planner import is_blocking

    return {c.resource for c in result.changes if is_blocking(c)}


CLUSTER, INSTANCE, SECRET = "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::SecretsManager::Secret"
PARAMS, ALARM, ROLE = "AWS::RDS::DBClusterParameterGroup", "AWS::CloudWatch::Alarm", "AWS::IAM::Role"


# --- harmless edits pass ---------------------------------------------------------------------


def _tag_value(t: dict) -> None:
    props(t, CLUSTER)["Tags"][0]["Value"] = "Staging"


def _template_description(t: dict) -> None:
    t["Description"] = "Another description"


def _secret_description(t: dict) -> None:
    props(t, SECRET)["Description"] = "Credentials, rotated by hand"


def _alarm_threshold(t: dict) -> None:
    props(t, ALARM)["Threshold"] = 90


def _log_statement(t: dict) -> None:
    props(t, PARAMS)["Parameters"]["log_statement"] = "ddl"


def _backup_retention(t: dict) -> None:
    props(t, CLUSTER)["BackupRetentionPeriod"] = 14


def _capacity(t: dict) -> None:
    props(t, CLUSTER)["ServerlessV2ScalingConfiguration"]["MaxCapacity"] = 4


@pytest.mark.parametrize(
    "apply, changed",
    [
        (_tag_value, {CLUSTER}),
        (_template_description, set()),
        (_secret_description, {SECRET}),
        (_alarm_threshold, {ALARM}),
        (_log_statement, {PARAMS}),
        (_backup_retention, {CLUSTER}),
        (_capacity, {CLUSTER}),
    ],
)
def test_harmless_edits_are_safe_in_place_updates(apply, changed):
    new = edit()
    apply(new)
    result = plan(BASE, new)
    assert result.safe, [(c.resource, c.risks) for c in result.changes]
    assert {c.type for c in result.changes} == changed
    for c in result.changes:
        assert c.action == "modify" and c.replacement == "false"
        assert not {r.name for r in c.risks} & {"data-loss", "update-fails", "credentials-diverge"}


def test_a_dynamic_parameter_is_not_pending_reboot():
    new = edit()
    _log_statement(new)
    result = plan(BASE, new)
    group = change(result, logical_id(new, PARAMS))
    assert group.properties[0].name == "Parameters"
    assert not group.risks
    assert any("log_statement" in note for note in group.notes)


# --- replacing edits fail, naming the resource -----------------------------------------------


def _cluster_identifier(t: dict) -> None:
    props(t, CLUSTER)["DBClusterIdentifier"] = "aurora-postgres-cluster-v2"


def _suffix_default(t: dict) -> None:
    t["Parameters"]["EnvironmentSuffix"]["Default"] = "blue"


def _database_name(t: dict) -> None:
    props(t, CLUSTER)["DatabaseName"] = "ledger"


def _kms_key(t: dict) -> None:
    props(t, CLUSTER)["KmsKeyId"] = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _unencrypted(t: dict) -> None:
    props(t, CLUSTER)["StorageEncrypted"] = False


def _engine(t: dict) -> None:
    props(t, CLUSTER)["Engine"] = "aurora-mysql"
    props(t, CLUSTER)["EngineVersion"] = "8.0.mysql_aurora.3.05.2"
    for lid in ids(t, INSTANCE):
        t["Resources"][lid]["Properties"]["Engine"] = "aurora-mysql"


@pytest.mark.parametrize(
    "apply, property_name",
    [
        (_cluster_identifier, "DBClusterIdentifier"),
        (_suffix_default, "DBClusterIdentifier"),
        (_database_name, "DatabaseName"),
        (_kms_key, "KmsKeyId"),
        (_unencrypted, "StorageEncrypted"),
        (_engine, "Engine"),
    ],
)
def test_replacing_the_cluster_is_data_loss_and_blocks(apply, property_name):
    new = edit()
    apply(new)
    result = plan(BASE, new)
    cluster = logical_id(new, CLUSTER)
    replaced = change(result, cluster)
    assert replaced.action == "replace" and replaced.replacement == "true"
    assert property_name in [p.name for p in replaced.properties]
    assert "data-loss" in risks(result, cluster)
    assert not result.safe and cluster in blocked(result)
    assert result.changes[0].resource in blocked(result)  # the most dangerous first


@pytest.mark.parametrize("apply", [_database_name, _kms_key, _unencrypted, _engine])
def test_replacing_the_cluster_under_the_same_name_fails(apply):
    new = edit()
    apply(new)
    assert "update-fails" in risks(plan(BASE, new), logical_id(new, CLUSTER))


def test_a_changed_identifier_replaces_without_update_failure_but_its_instances_fail():
    new = edit()
    _cluster_identifier(new)
    result = plan(BASE, new)
    assert "update-fails" not in risks(result, logical_id(new, CLUSTER))
    for lid in ids(new, INSTANCE):  # their DBClusterIdentifier reads the replaced cluster; names stay
        instance = change(result, lid)
        assert instance.action == "replace"
        assert "update-fails" in risks(result, lid) and "data-loss" not in risks(result, lid)


def test_a_changed_suffix_replaces_everything_named_from_it():
    new = edit()
    _suffix_default(new)
    result = plan(BASE, new)
    from tapcheck.requirements.common import NAME_PROPERTY

    named = [
        lid
        for lid, r in new["Resources"].items()
        if "EnvironmentSuffix" in json.dumps(r.get("Properties", {}).get(NAME_PROPERTY.get(r["Type"], ""), ""))
    ]
    assert len(named) >= 8
    for lid in named:
        assert change(result, lid).action == "replace", lid
        assert "update-fails" not in risks(result, lid)
    assert blocked(result) == {logical_id(new, CLUSTER), logical_id(new, SECRET)}
    assert "data-loss" in risks(result, logical_id(new, SECRET))


def test_the_same_suffix_given_as_a_parameter_value_means_no_change():
    new = edit()
    _suffix_default(new)
    assert plan(BASE, new, {"EnvironmentSuffix": "prod"}).changes == []


def test_removing_the_custom_name_replaces_without_update_failure():
    new = edit()
    del props(new, CLUSTER)["DBClusterIdentifier"]
    result = plan(BASE, new)
    cluster = logical_id(new, CLUSTER)
    assert change(result, cluster).action == "replace"
    assert risks(result, cluster) >= {"data-loss"} and "update-fails" not in risks(result, cluster)


def test_snapshot_replace_policy_is_not_data_loss_and_says_what_it_does():
    old, new = edit(), edit()
    for template in (old, new):
        template["Resources"][logical_id(template, CLUSTER)]["UpdateReplacePolicy"] = "Snapshot"
    _cluster_identifier(new)
    for lid in ids(new, INSTANCE):
        new["Resources"][lid]["Properties"]["DBInstanceIdentifier"] = f"{lid.lower()}-v2"
    result = plan(old, new)
    cluster = change(result, logical_id(new, CLUSTER))
    assert "data-loss" not in {r.name for r in cluster.risks}
    assert any("snapshot" in note for note in cluster.notes)
    assert result.safe


def test_a_policy_changed_in_the_same_edit_as_the_replacement_still_counts_delete():
    # Which version's UpdateReplacePolicy applies is not documented: Delete in either counts.
    new = edit()
    new["Resources"][logical_id(new, CLUSTER)]["UpdateReplacePolicy"] = "Retain"
    _cluster_identifier(new)
    cluster = change(plan(BASE, new), logical_id(new, CLUSTER))
    assert "data-loss" in {r.name for r in cluster.risks}
    assert "UpdateReplacePolicy" in [p.name for p in cluster.properties]


# --- edits CloudFormation refuses -------------------------------------------------------------


def _group_description(t: dict) -> None:
    props(t, PARAMS)["Description"] = "Query logging, TLS required"


def _group_family(t: dict) -> None:
    props(t, PARAMS)["Family"] = "aurora-postgresql16"


def _role_path(t: dict) -> None:
    props(t, ROLE)["Path"] = "/rds/"


@pytest.mark.parametrize(
    "apply, resource_type",
    [
        (_group_description, PARAMS),
        (_group_family, PARAMS),
        (_role_path, ROLE),
    ],
)
def test_a_custom_named_replacement_with_the_same_name_fails(apply, resource_type):
    new = edit()
    apply(new)
    result = plan(BASE, new)
    lid = logical_id(new, resource_type)
    assert change(result, lid).action == "replace"
    assert risks(result, lid) & {"update-fails"} and "data-loss" not in risks(result, lid)
    assert lid in blocked(result)


def test_renaming_a_logical_id_keeps_the_custom_name_and_the_create_fails():
    new = edit()
    alarm = logical_id(new, ALARM)
    new["Resources"]["CpuAlarmRenamed"] = new["Resources"].pop(alarm)
    new["Outputs"] = {k: v for k, v in new["Outputs"].items() if alarm not in json.dumps(v)}
    result = plan(BASE, new)
    assert change(result, alarm).action == "remove"
    assert change(result, "CpuAlarmRenamed").action == "add"
    assert "update-fails" in risks(result, "CpuAlarmRenamed")


def test_changing_a_resource_type_fails():
    new = edit()
    topic = logical_id(new, "AWS::SNS::Topic")
    new["Resources"][topic] = {"Type": "AWS::SQS::Queue", "Properties": {}}
    result = plan(BASE, new)
    assert "update-fails" in risks(result, topic)


# --- credentials that diverge ----------------------------------------------------------------


def _master_username(t: dict) -> None:
    t["Parameters"]["MasterUsername"]["Default"] = "ledgeradmin"


def _password_length(t: dict) -> None:
    props(t, SECRET)["GenerateSecretString"]["PasswordLength"] = 40


def _exclude_characters(t: dict) -> None:
    props(t, SECRET)["GenerateSecretString"]["ExcludeCharacters"] = "\"@/\\ '`"  # one more than the base's


@pytest.mark.parametrize("apply", [_master_username, _password_length, _exclude_characters])
def test_regenerating_the_secret_under_an_unchanged_reference_diverges(apply):
    new = edit()
    apply(new)
    result = plan(BASE, new)
    secret = logical_id(new, SECRET)
    assert change(result, secret).action == "modify"
    assert "credentials-diverge" in risks(result, secret)
    assert blocked(result) == {secret}
    assert logical_id(new, CLUSTER) in change(result, secret).risks[0].detail


def test_a_new_password_reaches_the_cluster_when_the_cluster_is_updated_too():
    # CloudFormation resolves the dynamic reference again when the resource holding it updates.
    new = edit()
    _password_length(new)
    _backup_retention(new)
    result = plan(BASE, new)
    assert result.safe


def test_a_new_user_name_never_reaches_a_cluster_that_is_only_updated():
    new = edit()
    _master_username(new)
    _backup_retention(new)
    result = plan(BASE, new)
    detail = change(result, logical_id(new, SECRET)).risks[0].detail
    assert "MasterUsername" in detail and "MasterUserPassword" not in detail


def test_a_reference_by_secret_name_is_found_too():
    new, old = edit(), edit()
    for template in (old, new):
        props(template, CLUSTER)["MasterUserPassword"] = {
            "Fn::Sub": "{{resolve:secretsmanager:aurora-credentials-${EnvironmentSuffix}:SecretString:password}}"
        }
    _password_length(new)
    detail = change(plan(old, new), logical_id(new, SECRET)).risks[0].detail
    assert "MasterUserPassword" in detail


# --- interruption and pending reboot ---------------------------------------------------------


def test_an_engine_version_upgrade_is_an_interruption_not_a_block():
    new = edit()
    props(new, CLUSTER)["EngineVersion"] = "15.13"
    result = plan(BASE, new)
    assert result.safe
    assert risks(result, logical_id(new, CLUSTER)) == {"interruption"}


def test_a_static_parameter_is_pending_reboot():
    new = edit()
    props(new, PARAMS)["Parameters"]["shared_preload_libraries"] = "pg_stat_statements"
    result = plan(BASE, new)
    group = logical_id(new, PARAMS)
    assert result.safe
    assert risks(result, group) == {"pending-reboot"}
    assert "shared_preload_libraries" in change(result, group).risks[0].detail


def test_an_aurora_only_parameter_is_unknown():
    new = edit()
    props(new, PARAMS)["Parameters"]["rds.logical_replication"] = "1"
    result = plan(BASE, new)
    group = logical_id(new, PARAMS)
    assert risks(result, group, certain=False) == {"pending-reboot"}
    assert risks(result, group) == set()


# --- removals --------------------------------------------------------------------------------


def test_removing_the_cluster_under_delete_is_data_loss():
    new = edit()
    cluster = logical_id(new, CLUSTER)
    new["Resources"] = {
        lid: r for lid, r in new["Resources"].items() if cluster not in json.dumps(r) and lid != cluster
    }
    new["Outputs"] = {k: v for k, v in new["Outputs"].items() if cluster not in json.dumps(v)}
    result = plan(BASE, new)
    assert change(result, cluster).action == "remove"
    assert "data-loss" in risks(result, cluster) and cluster in blocked(result)


def test_removing_the_cluster_under_its_default_snapshot_policy_is_not_data_loss():
    old, new = edit(), edit()
    cluster = logical_id(new, CLUSTER)
    del old["Resources"][cluster]["DeletionPolicy"]  # AWS default for a DB cluster: Snapshot
    new["Resources"] = {
        lid: r for lid, r in new["Resources"].items() if cluster not in json.dumps(r) and lid != cluster
    }
    new["Outputs"] = {k: v for k, v in new["Outputs"].items() if cluster not in json.dumps(v)}
    result = plan(old, new)
    removed = change(result, cluster)
    assert "data-loss" not in {r.name for r in removed.risks}
    assert any("snapshot" in note for note in removed.notes)


def test_adding_and_removing_plain_resources_is_safe():
    new = edit()
    alarm = logical_id(new, ALARM)
    new["Resources"]["ReadLatencyAlarm"] = copy.deepcopy(new["Resources"][alarm])
    new["Resources"]["ReadLatencyAlarm"]["Properties"]["AlarmName"] = "aurora-read-latency"
    result = plan(BASE, new)
    assert [(c.resource, c.action) for c in result.changes] == [("ReadLatencyAlarm", "add")]
    assert result.safe


# --- rewrites that keep the meaning report no change -----------------------------------------


def _reversed(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed(v) for k, v in reversed(list(value.items()))}
    if isinstance(value, list):
        return [_reversed(v) for v in value]
    return value


_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


def _sub_to_join(value: Any) -> Any:
    if isinstance(value, dict):
        if list(value) == ["Fn::Sub"] and isinstance(value["Fn::Sub"], str):
            pieces, position = [], 0
            for match in _SUB_VARIABLE.finditer(value["Fn::Sub"]):
                pieces.append(value["Fn::Sub"][position : match.start()])
                name = match.group(1)
                if "." in name and not name.startswith("AWS::"):
                    pieces.append({"Fn::GetAtt": name.split(".", 1)})
                else:
                    pieces.append({"Ref": name})
                position = match.end()
            pieces.append(value["Fn::Sub"][position:])
            return {"Fn::Join": ["", [p for p in pieces if p != ""]]}
        return {k: _sub_to_join(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sub_to_join(v) for v in value]
    return value


def _numbers_as_strings(t: dict) -> dict:
    props(t, CLUSTER)["BackupRetentionPeriod"] = "7"
    props(t, CLUSTER)["StorageEncrypted"] = "true"
    props(t, ALARM)["Threshold"] = "80.0"
    props(t, ALARM)["Period"] = "300"
    props(t, SECRET)["GenerateSecretString"]["PasswordLength"] = "32"
    for lid in ids(t, INSTANCE):
        t["Resources"][lid]["Properties"]["PubliclyAccessible"] = "false"
    return t


def _tags_reordered(t: dict) -> dict:
    for resource in t["Resources"].values():
        if "Tags" in resource.get("Properties", {}):
            resource["Properties"]["Tags"].reverse()
    return t


def _getatt_strings(t: dict) -> dict:
    text = json.dumps(t)
    text = re.sub(r'\{"Fn::GetAtt": \["(\w+)", "([\w.]+)"\]\}', r'{"Fn::GetAtt": "\1.\2"}', text)
    return json.loads(text)


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda t: _reversed(t),
        lambda t: _sub_to_join(t),
        _numbers_as_strings,
        _tags_reordered,
        _getatt_strings,
    ],
    ids=["key-order", "sub-to-join", "strings-for-numbers", "tag-order", "getatt-string"],
)
def test_rewrites_that_keep_the_meaning_report_no_change(rewrite):
    new = rewrite(edit())
    assert json.dumps(new) != json.dumps(BASE)
    assert plan(BASE, new).changes == []


def test_yaml_of_the_same_template_reports_no_change():
    assert plan(BASE, yaml.safe_dump(BASE, sort_keys=True)).changes == []


def test_a_rewrite_plus_a_real_edit_reports_only_the_edit():
    new = _sub_to_join(_reversed(edit()))
    props(new, CLUSTER)["DatabaseName"] = "ledger"
    result = plan(BASE, new)
    cluster = change(result, logical_id(new, CLUSTER))
    assert [p.name for p in cluster.properties] == ["DatabaseName"]


# --- --allow ---------------------------------------------------------------------------------


def _fully_renamed(t: dict) -> None:
    _cluster_identifier(t)
    for lid in ids(t, INSTANCE):
        t["Resources"][lid]["Properties"]["DBInstanceIdentifier"] = f"{lid.lower()}-v2"


def test_allow_accepts_exactly_the_named_blocking_change_visibly():
    new = edit()
    _fully_renamed(new)
    cluster = logical_id(new, CLUSTER)
    assert blocked(plan(BASE, new)) == {cluster}
    result = plan(BASE, new, allow=(cluster,))
    assert result.safe
    allowed = change(result, cluster)
    assert allowed.allowed_by == f"--allow {cluster}" and "data-loss" in risks(result, cluster)
    from tapcheck.plan.render import text

    assert f"allowed by --allow {cluster}" in text([result])


def test_allow_of_a_resource_without_blocking_change_is_reported():
    new = edit()
    _alarm_threshold(new)
    alarm = logical_id(new, ALARM)
    result = plan(BASE, new, allow=(alarm,))
    assert result.safe and [a.resource for a in result.unused_allows] == [alarm]
    from tapcheck.plan.render import as_dict, text

    assert f"--allow {alarm} allows nothing" in text([result])
    assert as_dict(result)["unused_allows"][0]["resource"] == alarm


def test_allowing_one_resource_leaves_the_others_blocking():
    new = edit()
    _database_name(new)
    cluster = logical_id(new, CLUSTER)
    result = plan(BASE, new, allow=(cluster,))
    assert not result.safe
    assert blocked(result) == set(ids(new, INSTANCE))
