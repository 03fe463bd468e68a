"""cfn-guard's failures become Findings on the checks the requirement folders map them to.

The packs read the rendering of the resolved model the gate writes (tapcheck.render), so these
tests go through the gate with only the guard packs on: what a user's `tapcheck check` runs."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tapcheck.errors import MissingTool, UsageError
from tapcheck.findings import Severity, unmerged
from tapcheck.gate import evaluate_file
from tapcheck.tools import guard
from tapcheck.tools.guard import locate, packs, parse
from tapcheck.tools.guard import run as guard_run

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
SEED = ROOT / "tests" / "fixtures" / "seed_template.json"
RULE_NAMES = sorted(p.stem for p in (ROOT / "rules").rglob("*.guard"))


def project_rules(path) -> list:
    """The guard rules' findings as cfn-guard gave them (before the gate merges each into its check's)."""
    return [f for f in unmerged(evaluate_file(str(path), tools=("cfn-guard",)).findings) if f.source == "cfn-guard"]


def control_tower(path) -> list:
    return [
        f for f in unmerged(evaluate_file(str(path), tools=("control-tower",)).findings) if f.source == "control-tower"
    ]


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(TEMPLATE.read_text())


def write(tmp_path: Path, template: dict, name: str = "template.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(template) if name.endswith(".json") else yaml.safe_dump(template))
    return str(path)


def props(template: dict, logical_id: str) -> dict:
    return template["Resources"][logical_id]["Properties"]


def test_the_template_passes_every_project_rule():
    assert project_rules(str(TEMPLATE)) == []


def test_the_seed_template_misses_the_alarm_tags():
    findings = project_rules(str(SEED))
    assert {(f.requirements, f.rule, f.resource) for f in findings} == {
        (("R10",), "required_tags", "CPUUtilizationAlarm")
    }
    messages = sorted(f.message for f in findings)
    assert any("tag Environment" in m for m in messages)
    assert any("tag ManagedBy" in m for m in messages)
    for finding in findings:
        assert finding.source == "cfn-guard" and finding.severity is Severity.ERROR
        assert finding.path == "/Resources/CPUUtilizationAlarm/Properties/Tags"
        assert finding.fix.startswith(("add the tag", "set the tag"))
        assert finding.line is not None and finding.file == str(SEED)


def _drop_managed_by(t):
    props(t, "AuroraCluster")["Tags"] = [x for x in props(t, "AuroraCluster")["Tags"] if x["Key"] != "ManagedBy"]


def _set_policy(logical_id, key, value):
    def change(t):
        if value is None:
            t["Resources"][logical_id].pop(key)
        else:
            t["Resources"][logical_id][key] = value

    return change


def _set(logical_id, key, value):
    def change(t):
        props(t, logical_id)[key] = value

    return change


def _log_statement_ddl(t):
    props(t, "DBClusterParameterGroup")["Parameters"]["log_statement"] = "ddl"


BREAKS = {
    # rule: (change to the template, requirement, resource at fault)
    "required_tags": (_drop_managed_by, ("R10",), "AuroraCluster"),
    "cluster_storage_encrypted": (_set("AuroraCluster", "StorageEncrypted", "false"), ("R3", "C7"), "AuroraCluster"),
    "cluster_kms_key_aws_managed": (
        _set("AuroraCluster", "KmsKeyId", "arn:aws:kms:us-east-1:123456789012:key/k"),
        ("C7",),
        "AuroraCluster",
    ),
    "secret_kms_key_aws_managed": (_set("DatabaseSecret", "KmsKeyId", "alias/my-key"), ("C7",), "DatabaseSecret"),
    "instance_performance_insights_key_aws_managed": (
        _set("AuroraInstance2", "PerformanceInsightsKMSKeyId", "alias/aws/s3"),
        ("C7",),
        "AuroraInstance2",
    ),
    "deletion_policy_delete": (_set_policy("AuroraCluster", "DeletionPolicy", None), ("C9",), "AuroraCluster"),
    "update_replace_policy_delete": (_set_policy("AlarmTopic", "UpdateReplacePolicy", "Retain"), ("C9",), "AlarmTopic"),
    "cluster_deletion_protection_disabled": (
        _set("AuroraCluster", "DeletionProtection", True),
        ("R3", "C2"),
        "AuroraCluster",
    ),
    "cluster_backup_retention_7_days": (
        _set("AuroraCluster", "BackupRetentionPeriod", "1"),
        ("R4", "C3"),
        "AuroraCluster",
    ),
    "cluster_parameter_group_log_statement_all": (_log_statement_ddl, ("R7", "C5"), "DBClusterParameterGroup"),
}


def test_every_rule_has_a_breaking_case():
    assert sorted(BREAKS) == RULE_NAMES


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_reports_its_requirement(rule, template, tmp_path):
    change, requirement, resource = BREAKS[rule]
    broken = copy.deepcopy(template)
    change(broken)
    findings = project_rules(write(tmp_path, broken))
    assert {(f.rule, f.requirements, f.resource) for f in findings} == {(rule, requirement, resource)}
    finding = findings[0]
    assert finding.path.startswith(f"/Resources/{resource}")
    assert finding.message and finding.fix and "Violation" not in finding.message


def test_strings_where_cloudformation_takes_strings(template, tmp_path):
    relaxed = copy.deepcopy(template)
    props(relaxed, "AuroraCluster").update(
        StorageEncrypted="true", DeletionProtection="false", BackupRetentionPeriod="7"
    )
    props(relaxed, "AuroraCluster")["KmsKeyId"] = {
        "Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/rds"
    }
    props(relaxed, "DatabaseSecret")["KmsKeyId"] = "alias/aws/secretsmanager"
    assert project_rules(write(tmp_path, relaxed)) == []


def test_yaml_templates_long_and_short_form(template, tmp_path):
    assert project_rules(write(tmp_path, template, "template.yaml")) == []
    short = tmp_path / "short.yml"
    short.write_text(
        "Parameters:\n"
        "  KeyArn: {Type: String}\n"
        "  Owner: {Type: String}\n"
        "Resources:\n"
        "  Cluster:\n"
        "    Type: AWS::RDS::DBCluster\n"
        "    DeletionPolicy: Delete\n"
        "    UpdateReplacePolicy: Delete\n"
        "    Properties:\n"
        "      StorageEncrypted: true\n"
        "      BackupRetentionPeriod: 7\n"
        "      KmsKeyId: !Ref KeyArn\n"
        "      Tags:\n"
        "        - {Key: Environment, Value: Production}\n"
        "        - {Key: ManagedBy, Value: !Ref Owner}\n"
    )
    findings = project_rules(str(short))
    assert {(f.requirements, f.rule) for f in findings} == {
        (("C7",), "cluster_kms_key_aws_managed"),
        (("R10",), "required_tags"),
    }
    assert all(f.line for f in findings)


def test_a_template_named_without_a_known_suffix_is_still_checked(tmp_path):
    odd = tmp_path / "seed.txt"
    shutil.copyfile(SEED, odd)
    assert {f.rule for f in project_rules(str(odd))} == {"required_tags"}


def test_control_tower_on_the_template_fails_only_the_two_waived_controls():
    findings = control_tower(str(TEMPLATE))
    assert sorted((f.requirements, f.rule, f.resource) for f in findings) == [
        (("H6",), "CT.CLOUDWATCH.PR.3", "PostgresLogGroup"),
        (("H6",), "CT.RDS.PR.3", "AuroraCluster"),
    ]
    assert all(f.waived_by for f in findings)
    finding = next(f for f in findings if f.rule == "CT.RDS.PR.3")
    assert finding.source == "control-tower"
    assert finding.severity is Severity.WARNING  # LOW in the control's metadata; still blocks
    assert finding.waived_by and "C2" in finding.waived_by  # LOW blocks unless waived: rules/waivers.yaml waives it
    assert finding.path == "/Resources/AuroraCluster/Properties/DeletionProtection"
    assert "deletion protection" in finding.message and finding.fix


def test_control_tower_on_the_seed():
    findings = control_tower(str(SEED))
    assert {f.rule for f in findings} == {
        "CT.CLOUDWATCH.PR.1",
        "CT.RDS.PR.27",
        "CT.RDS.PR.4",
        "CT.RDS.PR.2",
        "CT.RDS.PR.9",
        "CT.RDS.PR.3",
    }
    alarm = next(f for f in findings if f.rule == "CT.CLOUDWATCH.PR.1")
    assert alarm.severity is Severity.ERROR and alarm.resource == "CPUUtilizationAlarm"  # HIGH
    assert {f.resource for f in findings if f.rule == "CT.RDS.PR.2"} == {"AuroraInstance1", "AuroraInstance2"}


def test_control_tower_runs_only_controls_of_present_types():
    catalogue = packs.controls(str(locate.control_tower_dir()))
    assert "CT.RDS.PR.3" in catalogue and "AWS::RDS::DBCluster" in catalogue["CT.RDS.PR.3"].resource_types
    types = packs.resource_types_in(TEMPLATE.read_text())
    assert "AWS::RDS::DBCluster" in types and "AWS::S3::Bucket" not in types


def test_a_template_without_covered_types_runs_no_control(tmp_path):
    path = write(tmp_path, {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {}}}})
    assert control_tower(path) == []


def test_unparsable_data_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Resources": {')
    with pytest.raises(UsageError) as raised:
        packs.run_project_rules(str(bad))
    assert raised.value.subject == str(bad) and "cfn-guard" in raised.value.problem


def test_binary_from_the_environment(monkeypatch, tmp_path):
    real = guard.find_binary()
    monkeypatch.setenv(locate.ENV_BINARY, real)
    assert guard.find_binary() == real
    monkeypatch.setenv(locate.ENV_BINARY, str(tmp_path / "nowhere" / "cfn-guard"))
    with pytest.raises(UsageError, match="TAPCHECK_CFN_GUARD"):
        guard.find_binary()


def test_missing_binary_says_how_to_install(monkeypatch):
    monkeypatch.delenv(locate.ENV_BINARY, raising=False)
    monkeypatch.setattr(locate, "package_dir", lambda provision=False: None)
    with pytest.raises(MissingTool) as raised:
        guard.find_binary()
    error = raised.value
    assert error.subject == "cfn-guard" and error.problem.startswith("not installed")
    assert error.exit_code == 3
    assert "tapcheck install-tools" in error.fix and "cdklabs-cdk-validator-cfnguard==0.0.62" in error.fix


def test_an_unknown_report_shape_keeps_the_failure():
    report = {
        "not_compliant": [
            {
                "Rule": {
                    "name": "some_rule",
                    "messages": {"custom_message": "[R10] x"},
                    "checks": [{"Mystery": {"path": "/Resources/A/Properties/B"}}],
                }
            }
        ]
    }
    [failure] = parse.failures(report)
    assert (failure.rule, failure.message, failure.path) == ("some_rule", "[R10] x", "/Resources/A/Properties/B")


def test_a_template_that_crashes_cfn_guard_is_a_usage_error(monkeypatch):
    """cfn-guard 3.1.1 overflows its stack on pathologically nested input (signal 11)."""
    monkeypatch.setattr(
        guard_run.subprocess, "run", lambda command, **kw: subprocess.CompletedProcess(command, -11, "", "")
    )
    with pytest.raises(UsageError) as raised:
        packs.run_project_rules(str(SEED))
    assert raised.value.subject == str(SEED) and "crashed" in raised.value.problem


def test_cfn_guard_errors_are_usage_errors(monkeypatch):
    monkeypatch.setattr(
        guard_run.subprocess,
        "run",
        lambda command, **kw: subprocess.CompletedProcess(
            command, 5, "", "Parsing error handling rule file = x.guard, Error = Parser Error when parsing\nmore"
        ),
    )
    with pytest.raises(UsageError) as raised:
        packs.run_project_rules(str(SEED))
    assert raised.value.subject == "cfn-guard" and "exit 5" in raised.value.problem
    assert "rule file = x.guard" in raised.value.problem


def test_controls_are_chosen_by_the_resources_types_not_types_named_inline(tmp_path, monkeypatch):
    """A StackSet carries other templates inline: their types are not this template's resources, and
    running their controls would only cost time (74 controls instead of 5 on a public Aurora stack)."""
    inline = json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket"}, "Q": {"Type": "AWS::SQS::Queue"}}})
    path = write(
        tmp_path,
        {
            "Resources": {
                "Set": {
                    "Type": "AWS::CloudFormation::StackSet",
                    "Properties": {"StackSetName": "s", "PermissionModel": "SELF_MANAGED", "TemplateBody": inline},
                },
                "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 7}},
            }
        },
    )
    chosen: list[str] = []
    real = packs.validate

    def recording(rule_files, template_path):
        chosen.extend(rule_files)
        return real(rule_files, template_path)

    monkeypatch.setattr(packs, "validate", recording)
    packs.run_control_tower(path)
    services = {Path(f).parent.name for f in chosen}
    assert "cloudwatch" in services and not services & {"s3", "sqs"}, services
    chosen.clear()
    packs.run_control_tower(path, {"AWS::S3::Bucket"})
    assert {Path(f).parent.name for f in chosen} == {"s3"}
