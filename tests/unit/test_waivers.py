"""Waivers (rules/waivers.yaml): visible, matched by resource type, and an unused one blocks."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tapcheck.errors import UsageError
from tapcheck.findings import Finding, Severity, unmerged
from tapcheck.gate import evaluate_file
from tapcheck.model import build_model
from tapcheck.waivers import UNUSED_RULE, apply_waivers, load_waivers

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
PROJECT_WAIVERS = ROOT / "rules" / "waivers.yaml"


@pytest.fixture
def WAIVERS(tmp_path) -> Path:
    """One waiver, the deletion-protection one, so these tests do not depend on the project's list."""
    file = tmp_path / "waivers.yaml"
    file.write_text(
        "waivers:\n  - control: CT.RDS.PR.3\n    resource_type: AWS::RDS::DBCluster\n"
        "    requirement: C2\n    reason: C2 forces deletion protection off\n"
    )
    return file


def control_tower(path) -> list[Finding]:
    """Control Tower's findings through the gate (on its rendering), before waivers."""
    report = evaluate_file(str(path), tools=("control-tower",))
    return [
        f.__class__(**{**f.__dict__, "waived_by": None})
        for f in unmerged(report.findings)
        if f.source == "control-tower"
    ]


def model_of(template: dict):
    return build_model("template.json", template)


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(TEMPLATE.read_text())


def ct_finding(resource: str = "AuroraCluster", requirement: str = "H6", rule: str = "CT.RDS.PR.3") -> Finding:
    return Finding(
        requirements=(requirement,),
        check="control-tower",
        rule=rule,
        resource=resource,
        path=f"/Resources/{resource}/Properties/DeletionProtection",
        message="Require an Amazon RDS cluster to have deletion protection configured (LOW)",
        fix="Set the value of the 'DeletionProtection' parameter to true.",
        severity=Severity.WARNING,
        source="control-tower",
    )


def test_the_project_waiver_file():
    waivers = load_waivers(PROJECT_WAIVERS)
    assert [(w.control, w.resource_type, w.requirement) for w in waivers] == [
        ("CT.RDS.PR.3", "AWS::RDS::DBCluster", "C2"),
        ("CT.CLOUDWATCH.PR.3", "AWS::Logs::LogGroup", "C7"),
    ]
    assert all(w.reason and w.line is not None for w in waivers)


def test_the_project_waivers_cover_the_template_and_are_all_used(template):
    findings = apply_waivers(control_tower(TEMPLATE), model_of(template), PROJECT_WAIVERS)
    assert sorted((f.rule, f.resource) for f in findings) == [
        ("CT.CLOUDWATCH.PR.3", "PostgresLogGroup"),
        ("CT.RDS.PR.3", "AuroraCluster"),
    ]
    assert all(f.waived_by and not f.blocking for f in findings)  # still reported, none unused


def test_deletion_protection_is_waived_on_the_template(template, WAIVERS):
    findings = [
        f for f in apply_waivers(control_tower(TEMPLATE), model_of(template), WAIVERS) if f.rule == "CT.RDS.PR.3"
    ]
    [finding] = findings
    assert finding.resource == "AuroraCluster"
    assert finding.waived_by and "C2" in finding.waived_by
    assert not finding.blocking


def test_the_waiver_follows_a_renamed_cluster(template, tmp_path, WAIVERS):
    renamed = copy.deepcopy(template)
    renamed["Resources"]["PaymentsDb"] = renamed["Resources"].pop("AuroraCluster")
    renamed["Resources"]["PaymentsDb"]["DependsOn"] = ["PostgresLogGroup"]
    text = json.dumps(renamed).replace('"AuroraCluster"', '"PaymentsDb"')
    path = tmp_path / "renamed.json"
    path.write_text(text)
    renamed = json.loads(text)
    [finding] = [f for f in apply_waivers(control_tower(path), model_of(renamed), WAIVERS) if f.rule == "CT.RDS.PR.3"]
    assert finding.resource == "PaymentsDb" and finding.waived_by and not finding.blocking


def test_a_waiver_that_matches_nothing_blocks(template, WAIVERS):
    protected = copy.deepcopy(template)
    protected["Resources"]["AuroraCluster"]["Properties"]["DeletionProtection"] = True
    findings = apply_waivers([], model_of(protected), WAIVERS)
    [unused] = findings
    assert (unused.requirements, unused.rule, unused.severity) == (("H6",), UNUSED_RULE, Severity.ERROR)
    assert unused.blocking
    assert "CT.RDS.PR.3" in unused.message and "AWS::RDS::DBCluster" in unused.message
    assert unused.fix.startswith("remove the waiver")
    assert unused.file == str(WAIVERS) and unused.line is not None


def test_no_unused_finding_when_control_tower_did_not_run(template, WAIVERS):
    assert apply_waivers([], model_of(template), WAIVERS, sources=("tapcheck", "cfn-lint")) == []
    assert len(apply_waivers([], model_of(template), WAIVERS, sources=("control-tower",))) == 1


def test_a_waiver_covers_only_its_type(template, WAIVERS):
    other = ct_finding(resource="AuroraInstance1")
    findings = apply_waivers([ct_finding(), other], model_of(template), WAIVERS)
    assert [f.waived_by is not None for f in findings] == [True, False]


def test_requirements_cannot_be_waived(template, WAIVERS):
    """Only hardening (H*) findings can be waived: a spec requirement's finding always blocks."""
    spec_finding = ct_finding(requirement="C2")
    findings = apply_waivers([spec_finding], model_of(template), WAIVERS)
    assert findings[0].blocking and findings[0].waived_by is None
    assert findings[1].rule == UNUSED_RULE


def test_a_waiver_by_logical_id(template, tmp_path):
    file = tmp_path / "waivers.yaml"
    file.write_text(
        "waivers:\n  - control: CT.RDS.PR.3\n    resource: AuroraCluster\n"
        "    requirement: C2\n    reason: forced by C2\n"
    )
    [finding] = apply_waivers([ct_finding()], model_of(template), file)
    assert finding.waived_by == "forced by C2"


def test_an_empty_waivers_file_waives_nothing(template, tmp_path):
    file = tmp_path / "waivers.yaml"
    file.write_text("# no waivers\n")
    [finding] = apply_waivers([ct_finding()], model_of(template), file)
    assert finding.blocking


MALFORMED = {
    "not YAML": "waivers: [\n",
    "not a list": "waivers: CT.RDS.PR.3\n",
    "unknown top-level key": "waiver:\n  - control: CT.RDS.PR.3\n",
    "entry not a mapping": "waivers:\n  - CT.RDS.PR.3\n",
    "no reason": "waivers:\n  - {control: CT.RDS.PR.3, resource_type: AWS::RDS::DBCluster, requirement: C2}\n",
    "empty reason": "waivers:\n  - {control: CT.RDS.PR.3, resource_type: AWS::RDS::DBCluster, requirement: C2, "
    "reason: ''}\n",
    "no scope": "waivers:\n  - {control: CT.RDS.PR.3, requirement: C2, reason: r}\n",
    "two scopes": "waivers:\n  - {control: CT.RDS.PR.3, resource_type: AWS::RDS::DBCluster, resource: X, "
    "requirement: C2, reason: r}\n",
    "misspelt key": "waivers:\n  - {control: CT.RDS.PR.3, resource_typ: AWS::RDS::DBCluster, requirement: C2, "
    "reason: r}\n",
    "unknown requirement": "waivers:\n  - {control: CT.RDS.PR.3, resource_type: AWS::RDS::DBCluster, "
    "requirement: C99, reason: r}\n",
    "hardening as the forcing requirement": "waivers:\n  - {control: CT.RDS.PR.3, resource_type: "
    "AWS::RDS::DBCluster, requirement: H6, reason: r}\n",
    "bad resource type": "waivers:\n  - {control: CT.RDS.PR.3, resource_type: DBCluster, requirement: C2, reason: r}\n",
    "forced by a requirement whose checks do not conflict with the control": "waivers:\n  - {control: CT.RDS.PR.3, "
    "resource_type: AWS::RDS::DBCluster, requirement: R9, reason: r}\n",
    "a hardening check forced by an unrelated requirement": "waivers:\n  - {control: iam-auth, "
    "resource_type: AWS::RDS::DBCluster, requirement: R9, reason: outputs}\n",
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_waivers_file_is_a_usage_error(case, template, tmp_path):
    file = tmp_path / "waivers.yaml"
    file.write_text(MALFORMED[case])
    with pytest.raises(UsageError) as raised:
        apply_waivers([ct_finding()], model_of(template), file)
    assert str(file) in raised.value.subject and raised.value.fix
    assert "\n" not in raised.value.line()


def test_a_missing_explicit_waivers_file_is_a_usage_error(template, tmp_path):
    with pytest.raises(UsageError, match="no such waivers file"):
        apply_waivers([], model_of(template), tmp_path / "absent.yaml")


def test_forced_by_must_name_a_requirement_whose_checks_conflict_with_the_control(template, tmp_path):
    """C2's folder declares conflicts_with = ["CT.RDS.PR.3"]: C2 may force that waiver, R9 may not."""
    from tapcheck.requirements.registry import registry

    declared = {r.id: r.conflicts_with for r in registry().requirements if r.conflicts_with}
    assert declared == {"C2": ("CT.RDS.PR.3",), "C7": ("CT.CLOUDWATCH.PR.3",)}
    file = tmp_path / "waivers.yaml"
    file.write_text(
        "waivers:\n  - {control: CT.RDS.PR.3, resource_type: AWS::RDS::DBCluster, requirement: R9, reason: outputs}\n"
    )
    with pytest.raises(UsageError) as raised:
        load_waivers(file)
    assert "R9's checks do not conflict with it" in raised.value.problem
    assert "rules/r09_outputs/requirement.toml" in raised.value.problem
    assert raised.value.fix == "name C2, whose checks conflict with CT.RDS.PR.3"
    file.write_text(
        "waivers:\n  - {control: CT.RDS.PR.3, resource_type: AWS::RDS::DBCluster, requirement: C2, reason: C2}\n"
    )
    assert [w.requirement for w in load_waivers(file)] == ["C2"]


def protected_copy(directory: Path) -> Path:
    """The template with deletion protection on: CT.RDS.PR.3 (waived on the template) does not fire."""
    protected = json.loads(TEMPLATE.read_text())
    protected["Resources"]["AuroraCluster"]["Properties"]["DeletionProtection"] = True
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "protected.json"
    path.write_text(json.dumps(protected, indent=2))
    return path


def batch_check(*paths: Path, fmt: str = "json") -> subprocess.CompletedProcess:
    """`tapcheck check` on several templates (so in forked workers), with tapcheck's own waivers."""
    return subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", *map(str, paths), "--format", fmt],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def unused_of(report: dict) -> list[tuple[str, str]]:
    return [
        (t["template"], f["message"]) for t in report["templates"] for f in t["findings"] if f["rule"] == UNUSED_RULE
    ]


def test_unused_is_judged_over_the_batch(tmp_path):
    """A waiver the first template uses is not stale on the second; one no template uses is one
    finding for the batch, on the first template where it could have fired."""
    protected = protected_copy(tmp_path / "a")
    run = batch_check(TEMPLATE, protected)
    assert run.returncode == 1, run.stderr
    used = json.loads(run.stdout)
    assert unused_of(used) == []
    assert [t["compliant"] for t in used["templates"]] == [True, False]  # C2 fails on the copy
    run = batch_check(protected, protected_copy(tmp_path / "b"))
    [(template, message)] = unused_of(json.loads(run.stdout))
    assert template == str(protected) and "CT.RDS.PR.3" in message
    assert message.endswith("does not fire on any resource type AWS::RDS::DBCluster in any of the 2 templates checked")


def test_quiet_names_each_failing_template(tmp_path):
    protected = protected_copy(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", str(TEMPLATE), str(protected), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    headers = [line for line in run.stdout.splitlines() if not line.startswith(" ")]
    findings = [line for line in run.stdout.splitlines() if line.startswith("  [")]
    assert headers == [f"{protected}: NOT COMPLIANT ({len(findings)} blocking)"] and findings
