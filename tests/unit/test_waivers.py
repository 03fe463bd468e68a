"""Waivers (rules/waivers.yaml): visible, matched by resource type, and an unused one blocks."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tapcheck.errors import UsageError
from tapcheck.findings import Finding, Severity
from tapcheck.model import build_model
from tapcheck.tools import guard
from tapcheck.waivers import UNUSED_RULE, apply_waivers, load_waivers

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
WAIVERS = ROOT / "rules" / "waivers.yaml"


def model_of(template: dict):
    return build_model("template.json", template)


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(TEMPLATE.read_text())


def ct_finding(resource: str = "AuroraCluster", requirement: str = "H6", rule: str = "CT.RDS.PR.3") -> Finding:
    return Finding(requirements=(requirement,), check="control-tower", rule=rule, resource=resource,
                   path=f"/Resources/{resource}/Properties/DeletionProtection",
                   message="Require an Amazon RDS cluster to have deletion protection configured (LOW)",
                   fix="Set the value of the 'DeletionProtection' parameter to true.",
                   severity=Severity.WARNING, source="control-tower")


def test_the_project_waiver_file():
    [waiver] = load_waivers(WAIVERS)
    assert (waiver.control, waiver.resource_type, waiver.requirement) == ("CT.RDS.PR.3", "AWS::RDS::DBCluster", "C2")
    assert waiver.reason and waiver.line is not None


def test_deletion_protection_is_waived_on_the_template(template):
    findings = apply_waivers(guard.run_control_tower(str(TEMPLATE)), model_of(template))
    [finding] = findings                                   # still reported, and no unused waiver
    assert finding.rule == "CT.RDS.PR.3" and finding.resource == "AuroraCluster"
    assert finding.waived_by and "C2" in finding.waived_by
    assert not finding.blocking


def test_the_waiver_follows_a_renamed_cluster(template, tmp_path):
    renamed = copy.deepcopy(template)
    renamed["Resources"]["PaymentsDb"] = renamed["Resources"].pop("AuroraCluster")
    path = tmp_path / "renamed.json"
    path.write_text(json.dumps(renamed))
    [finding] = apply_waivers(guard.run_control_tower(str(path)), model_of(renamed))
    assert finding.resource == "PaymentsDb" and finding.waived_by and not finding.blocking


def test_a_waiver_that_matches_nothing_blocks(template):
    protected = copy.deepcopy(template)
    protected["Resources"]["AuroraCluster"]["Properties"]["DeletionProtection"] = True
    findings = apply_waivers([], model_of(protected), WAIVERS)
    [unused] = findings
    assert (unused.requirements, unused.rule, unused.severity) == (("H6",), UNUSED_RULE, Severity.ERROR)
    assert unused.blocking
    assert "CT.RDS.PR.3" in unused.message and "AWS::RDS::DBCluster" in unused.message
    assert unused.fix.startswith("remove the waiver")
    assert unused.file == str(WAIVERS) and unused.line is not None


def test_no_unused_finding_when_control_tower_did_not_run(template):
    assert apply_waivers([], model_of(template), WAIVERS, sources=("tapcheck", "cfn-lint")) == []
    assert len(apply_waivers([], model_of(template), WAIVERS, sources=("control-tower",))) == 1


def test_a_waiver_covers_only_its_type(template):
    other = ct_finding(resource="AuroraInstance1")
    findings = apply_waivers([ct_finding(), other], model_of(template), WAIVERS)
    assert [f.waived_by is not None for f in findings] == [True, False]


def test_requirements_cannot_be_waived(template):
    """Only hardening (H*) findings can be waived: a spec requirement's finding always blocks."""
    spec_finding = ct_finding(requirement="C2")
    findings = apply_waivers([spec_finding], model_of(template), WAIVERS)
    assert findings[0].blocking and findings[0].waived_by is None
    assert findings[1].rule == UNUSED_RULE


def test_a_waiver_by_logical_id(template, tmp_path):
    file = tmp_path / "waivers.yaml"
    file.write_text("waivers:\n  - control: CT.RDS.PR.3\n    resource: AuroraCluster\n"
                    "    requirement: C2\n    reason: forced by C2\n")
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
    "bad resource type": "waivers:\n  - {control: CT.RDS.PR.3, resource_type: DBCluster, requirement: C2, "
                         "reason: r}\n",
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
