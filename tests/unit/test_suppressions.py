"""Suppressions never change the verdict: a .cfnlintrc in the working (or home) directory, the
template's and a resource's `Metadata: cfn-lint: config`, and `Metadata.guard.SuppressedRules`
are not honoured, and each is reported in every format, beside the findings it would hide.

Each test first shows that the suppression is real (the tool, run as its own users run it,
honours it), so that a gate that started to honour it would fail here."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tapcheck.findings import Finding, Severity
from tapcheck.loader import load_template
from tapcheck.suppressions import Suppression
from tapcheck.tools import guard, lint

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
SEED = ROOT / "tests" / "fixtures" / "seed_template.json"


def lint_ids(path: Path) -> list[tuple[str, str]]:
    return sorted((f.rule, f.path) for f in lint.run(load_template(str(path))))


def plain_cfn_lint(path: Path, cwd: Path) -> list[str]:
    """cfn-lint as its users run it (CLI, config files and Metadata honoured)."""
    run = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", str(path)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,  # cfn-lint's exit code is a bitmask of the levels it found: its output is what counts
    )
    return [line for line in run.stdout.splitlines() if line.strip()]


@pytest.fixture
def seed_lint() -> list[tuple[str, str]]:
    return lint_ids(SEED)


def test_a_cfnlintrc_in_the_working_or_home_directory_is_not_read(tmp_path, monkeypatch, seed_lint):
    work, home = tmp_path / "work", tmp_path / "home"
    work.mkdir()
    home.mkdir()
    (work / ".cfnlintrc").write_text("ignore_checks:\n  - E\n  - W\n  - I\nregions:\n  - eu-west-1\n")
    (home / ".cfnlintrc").write_text("ignore_checks:\n  - W3005\n")
    monkeypatch.setenv("HOME", str(home))
    assert plain_cfn_lint(SEED, work) == []  # cfn-lint itself honours it: nothing reported
    monkeypatch.chdir(work)
    assert seed_lint and lint_ids(SEED) == seed_lint
    (work / ".cfnlintrc").write_text("ignore_checks: 5\nnot_a_setting: true\n")  # cfn-lint refuses this file
    assert lint_ids(SEED) == seed_lint


def with_lint_metadata(template: dict) -> dict:
    edited = copy.deepcopy(template)
    edited.setdefault("Metadata", {})["cfn-lint"] = {
        "config": {
            "ignore_checks": ["W3005", "W3690", "E"],
            "regions": ["eu-west-1"],
            "configure_rules": {"E3012": {"strict": True}},
        }
    }
    for resource in edited["Resources"].values():
        resource.setdefault("Metadata", {})["cfn-lint"] = {"config": {"ignore_checks": ["W3005", "I3011"]}}
    return edited


def test_template_and_resource_metadata_do_not_configure_cfn_lint(tmp_path, seed_lint):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(with_lint_metadata(json.loads(SEED.read_text())), indent=1))
    plain = plain_cfn_lint(path, tmp_path)
    assert not any("W3005" in line or "W3690" in line for line in plain)  # cfn-lint honours them
    assert [rule for rule, _ in lint_ids(path)] == [rule for rule, _ in seed_lint]
    assert "W3005" in {rule for rule, _ in seed_lint}
    loaded = load_template(str(path))
    lint.run(loaded)
    assert "cfn-lint" in loaded.tree["Metadata"]  # the gate's own tree is left untouched


def test_silencing_follows_cfn_lints_own_matching():
    finding = Finding(
        ("C10",),
        "references",
        "W3005",
        "AuroraCluster",
        "/Resources/AuroraCluster/DependsOn/0",
        "m",
        "f",
        Severity.WARNING,
        "cfn-lint",
    )
    assert Suppression("cfn-lint", ".cfnlintrc", ("W3",), prefix=True).silences(finding)
    assert not Suppression("cfn-lint", "Metadata", ("W3",), resource="AuroraCluster").silences(finding)
    assert Suppression("cfn-lint", "Metadata", ("W3005",), resource="AuroraCluster").silences(finding)
    assert not Suppression("cfn-lint", "Metadata", ("W3005",), resource="Other").silences(finding)
    assert not Suppression("cfn-guard", "Metadata.guard", ("W3005",)).silences(finding)


def broken_with_suppressions(directory: Path) -> Path:
    """The compliant template broken twice (S8 through cfn-lint, R10 through a tag), with every
    kind of suppression aimed at exactly what breaks."""
    template = json.loads(TEMPLATE.read_text())
    template["Description"] = ["not", "a", "string"]  # cfn-lint E1004
    template["Metadata"] = {"cfn-lint": {"config": {"ignore_checks": ["E1004"]}}}
    alarm = template["Resources"]["CPUUtilizationAlarm"]
    alarm["Properties"]["Tags"] = [t for t in alarm["Properties"]["Tags"] if t["Key"] != "ManagedBy"]
    alarm["Metadata"] = {
        "guard": {"SuppressedRules": ["required_tags", "CT.CLOUDWATCH.PR.1"]},
        "cfn-lint": {"config": {"ignore_checks": ["E3012"]}},
    }
    path = directory / "template.json"
    path.write_text(json.dumps(template, indent=2))
    (directory / ".cfnlintrc").write_text("ignore_checks:\n  - E1004\n")
    return path


def gate(directory: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", "template.json", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_suppressions_change_no_verdict_and_show_in_every_format(tmp_path):
    broken_with_suppressions(tmp_path)
    run = gate(tmp_path, "--format", "json")
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    failed = {r["id"] for r in report["requirements"] if r["status"] == "fail"}
    assert failed == {"S8", "R10"}
    [e1004] = [f for f in report["findings"] if f["rule"] == "E1004"]
    assert e1004["severity"] == "error" and ".cfnlintrc" in e1004["suppressed_by"]
    assert "Metadata.cfn-lint.config" in e1004["suppressed_by"]
    # the guard rule's finding is evidence of the check's (one defect): the suppression shows on it
    [tags] = [f for f in report["findings"] if "required_tags" in {e["rule"] for e in f["evidence"]}]
    assert tags["rule"] == "required-tags"
    assert "Metadata.guard.SuppressedRules of CPUUtilizationAlarm" in tags["suppressed_by"]
    notes = [f for f in report["findings"] if f["rule"] == "suppression.ignored"]
    assert {(n["severity"], n["resource"]) for n in notes} == {("info", None), ("info", "CPUUtilizationAlarm")}
    assert len(notes) == 4  # .cfnlintrc, template Metadata, the alarm's cfn-lint and guard Metadata
    rc_note = next(n for n in notes if n["file"].endswith(".cfnlintrc"))
    assert rc_note["line"] == 1 and "S8" in rc_note["requirements"]
    guard_note = next(n for n in notes if "SuppressedRules" in n["message"])
    assert guard_note["path"] == "/Resources/CPUUtilizationAlarm/Metadata/guard/SuppressedRules"
    assert guard_note["line"] is not None and "R10" in guard_note["requirements"]

    # the same verdict without any suppression
    for file in (tmp_path / ".cfnlintrc",):
        file.unlink()
    plain = json.loads(TEMPLATE.read_text())
    plain["Description"] = ["not", "a", "string"]
    alarm = plain["Resources"]["CPUUtilizationAlarm"]
    alarm["Properties"]["Tags"] = [t for t in alarm["Properties"]["Tags"] if t["Key"] != "ManagedBy"]
    (tmp_path / "template.json").write_text(json.dumps(plain, indent=2))
    bare = json.loads(gate(tmp_path, "--format", "json").stdout)
    assert {r["id"]: r["status"] for r in bare["requirements"]} == {
        r["id"]: r["status"] for r in report["requirements"]
    }

    def blocking(rep):
        return sorted((f["rule"], f["resource"] or "") for f in rep["findings"] if f["severity"] != "info")

    assert blocking(bare) == blocking(report)

    broken_with_suppressions(tmp_path)
    text = gate(tmp_path).stdout
    assert "suppressed by .cfnlintrc" in text and "suppression.ignored" in text
    sarif = json.loads(gate(tmp_path, "--format", "sarif").stdout)["runs"][0]
    levels = {(r["ruleId"], r["level"]) for r in sarif["results"]}
    assert ("suppression", "note") in levels and ("E1004", "error") in levels  # cfn-lint's rule, its own id
    e1004_result = next(r for r in sarif["results"] if r["properties"]["rule"] == "E1004")
    assert "Suppressed by .cfnlintrc" in e1004_result["message"]["text"] and "suppressions" not in e1004_result
    junit = ET.fromstring(gate(tmp_path, "--format", "junit").stdout)
    s8 = next(c for c in junit.iter("testcase") if c.get("name").startswith("S8 "))
    assert "suppressed by .cfnlintrc" in s8.find("failure").text
    assert "suppression.ignored" in s8.find("system-out").text


HONOURS_SUPPRESSION = """
let alarms = Resources.*[ Type == "AWS::CloudWatch::Alarm"
    Metadata.guard.SuppressedRules not exists or
    Metadata.guard.SuppressedRules.* != "alarm_without_actions" ]
rule alarm_without_actions when %alarms not empty {
    %alarms.Properties.AlarmActions empty
}
"""


def test_a_guard_rule_that_honours_suppressed_rules_still_fires(tmp_path):
    rule = tmp_path / "alarm_without_actions.guard"
    rule.write_text(HONOURS_SUPPRESSION)
    template = json.loads(TEMPLATE.read_text())
    template["Resources"]["CPUUtilizationAlarm"]["Metadata"] = {"guard": {"SuppressedRules": ["alarm_without_actions"]}}
    (tmp_path / "template.json").write_text(json.dumps(template, indent=2))
    raw = subprocess.run(
        [guard.find_binary(), "validate", "-r", str(rule), "-d", str(tmp_path / "template.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert raw.returncode == 0, raw.stdout  # cfn-guard on the file honours the suppression
    run = gate(tmp_path, "--rules", str(rule), "--format", "json")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    [finding] = [f for f in report["findings"] if f["rule"] == "alarm_without_actions"]
    assert finding["requirements"] == ["unmapped"] and "SuppressedRules" in finding["suppressed_by"]
