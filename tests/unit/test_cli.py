"""The command line: exit codes, formats, and one clear line for every kind of bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_in_process import tapcheck  # in-process: these tests are about output, not the process

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "tests" / "fixtures" / "seed_template.json"


# What the seed gets wrong (README: "Where the seed went wrong"): the deprecated 15.4 (R1), a password alphabet
# RDS refuses (R6), tags (R10), redundant DependsOn (C10), names (S5), names too long at the parameters' extremes
# (S6), and the hardening it lacks
SEED_FAILS = {"R1", "R6", "R10", "C10", "S5", "S6", "H1", "H2", "H3", "H4", "H5", "H6", "H7"}


def test_default_template_is_compliant():
    run = tapcheck("check")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "COMPLIANT" in run.stdout and "R10" in run.stdout


def test_seed_fails_naming_r10_and_r1_and_shows_w3005():
    run = tapcheck("check", str(SEED), "--format", "json")
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["compliant"] is False
    failed = {r["id"] for r in report["requirements"] if r["status"] == "fail"}
    assert failed == SEED_FAILS
    redundant = sorted(f["resource"] for f in report["findings"] for e in f["evidence"] if e["rule"] == "W3005")
    # cfn-lint 1.58 reports eight (the cluster's DependsOn on the secret twice: two Refs), each the
    # evidence of C10's finding on that DependsOn entry: seven defects, seven findings
    assert (
        redundant == ["AuroraCluster"] * 4 + ["AuroraInstance1", "CPUUtilizationAlarm"] + ["SecretTargetAttachment"] * 2
    )
    assert sorted((f["resource"], f["path"]) for f in report["findings"] if f["check"] == "references") == [
        ("AuroraCluster", f"/Resources/AuroraCluster/DependsOn/{i}") for i in range(3)
    ] + [
        ("AuroraInstance1", "/Resources/AuroraInstance1/DependsOn"),
        ("CPUUtilizationAlarm", "/Resources/CPUUtilizationAlarm/DependsOn"),
    ] + [("SecretTargetAttachment", f"/Resources/SecretTargetAttachment/DependsOn/{i}") for i in range(2)]
    assert any("R10" in f["requirements"] and f["resource"] == "CPUUtilizationAlarm" for f in report["findings"])
    assert any("R1" in f["requirements"] and "15.4" in f["message"] for f in report["findings"])
    for finding in report["findings"]:
        assert set(finding) >= {
            "requirements",
            "check",
            "rule",
            "resource",
            "path",
            "message",
            "fix",
            "severity",
            "line",
            "column",
        }


def test_text_report_has_matrix_then_findings():
    run = tapcheck("check", str(SEED))
    assert run.returncode == 1
    matrix_at, findings_at = run.stdout.index("R10"), run.stdout.index("Findings (")
    assert matrix_at < findings_at
    assert "fix:" in run.stdout and "CPUUtilizationAlarm" in run.stdout


def test_sarif_is_valid_2_1_0(tmp_path):
    out = tmp_path / "report.sarif"
    run = tapcheck("check", str(SEED), "--format", "sarif", "--output", str(out))
    assert run.returncode == 1 and run.stdout == ""
    sarif = json.loads(out.read_text())
    assert sarif["version"] == "2.1.0"
    rule_ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    for result in sarif["runs"][0]["results"]:
        assert result["ruleId"] in rule_ids
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1


def test_junit_marks_failed_requirements(tmp_path):
    run = tapcheck("check", str(SEED), "--format", "junit")
    root = ET.fromstring(run.stdout)
    failed = {case.get("name").split()[0] for case in root.iter("testcase") if case.find("failure") is not None}
    assert failed == SEED_FAILS


def test_several_templates_worst_exit_wins():
    run = tapcheck("check", "lib/TapStack.json", str(SEED))
    assert run.returncode == 1
    assert run.stdout.count("COMPLIANT") == 2


BAD_INPUTS = {
    "malformed.json": b'{"Resources": {',
    "malformed.yaml": b"Resources:\n  A: [unclosed\n",
    "empty.json": b"",
    "blank.yaml": b"   \n\n",
    "no-resources.json": b'{"AWSTemplateFormatVersion": "2010-09-09"}',
    "list.json": b"[1, 2, 3]",
    "scalar.yaml": b"just a string\n",
    "unknown-type.json": b'{"Resources": {"A": {"Type": "AWS::Made::Up"}}}',
    "no-type.json": b'{"Resources": {"A": {"Properties": {}}}}',
    "binary.bin": bytes(range(256)) * 4,
    "latin1.json": '{"Resources": {"A": {"Type": "AWS::SNS::Topic", "Description": "caf\u00e9"}}}'.encode("latin-1"),
    "deep.json": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_one_line_exit_2(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    run = tapcheck("check", str(path))
    assert run.returncode == 2, run.stdout + run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert str(path) in lines[0] and "Traceback" not in run.stderr


def test_huge_file(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"Resources": {}, "Metadata": "' + "x" * 2_000_000 + '"}')
    run = tapcheck("check", str(path))
    assert run.returncode == 2 and "bytes" in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_missing_file_and_directory_without_templates(tmp_path):
    for target, problem in (
        (tmp_path / "nope.json", "no such file"),
        (tmp_path, "directory holds no CloudFormation template"),
    ):
        run = tapcheck("check", str(target))
        assert run.returncode == 2 and problem in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_missing_cfn_guard_is_exit_3_and_names_the_install_command(tmp_path):
    run = tapcheck("check", env={"TAPCHECK_CFN_GUARD": str(tmp_path / "absent" / "cfn-guard")})
    assert run.returncode == 3
    assert "cfn-guard" in run.stderr and "tapcheck install-tools" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_unwritable_output(tmp_path):
    run = tapcheck("check", "--output", str(tmp_path / "missing-dir" / "out.json"))
    assert run.returncode == 2 and "out.json" in run.stderr
