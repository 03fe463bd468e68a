"""A resource or an output under a Condition the template alone cannot decide (AWS::Region, a
parameter without a Default) exists in some deployments only: every requirement must hold in each
deployment (tapcheck.deployments), and what fails in some says in which."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tapcheck.deployments import MAX_UNDECIDED_COMPARISONS, deployment_variants
from tapcheck.gate import evaluate_loaded
from tapcheck.loader import load_template
from tapcheck.model import build_model

ROOT = Path(__file__).resolve().parents[2]
BASE = json.loads((ROOT / "lib" / "TapStack.json").read_text())


def _of_type(template: dict, resource_type: str) -> list[str]:
    return [k for k, v in template["Resources"].items() if v["Type"] == resource_type]


def _region_is(region: str) -> dict:
    return {"Fn::Equals": [{"Ref": "AWS::Region"}, region]}


def _failed(template: dict, tmp_path: Path) -> dict[str, list[str]]:
    """requirement -> the messages of its blocking findings (the project's own checks only)."""
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template, indent=1))
    report = evaluate_loaded(load_template(str(path)), tools=())
    failed: dict[str, list[str]] = {}
    for finding in report.findings:
        if finding.blocking:
            for requirement in finding.requirements:
                failed.setdefault(requirement, []).append(finding.message)
    return failed


def _second_instance_under(template: dict, condition: str) -> str:
    second = _of_type(template, "AWS::RDS::DBInstance")[1]
    template["Resources"][second]["Condition"] = condition
    return second


def _twin_of(template: dict, logical_id: str, condition: str) -> None:
    """A copy of the resource, under another condition and with a name of its own."""
    twin = copy.deepcopy(template["Resources"][logical_id])
    twin["Condition"] = condition
    twin["Properties"]["DBInstanceIdentifier"] = {"Fn::Sub": "aurora-postgres-twin-${EnvironmentSuffix}"}
    template["Resources"][logical_id + "Twin"] = twin


def test_an_instance_in_some_regions_only_fails_c6_in_the_others(tmp_path):
    template = copy.deepcopy(BASE)
    template["Conditions"] = {"InUsEast1": _region_is("us-east-1")}
    _second_instance_under(template, "InUsEast1")
    failed = _failed(template, tmp_path)
    assert set(failed) == {"C6"}
    [message] = failed["C6"]
    assert message.startswith("The cluster has 1 instance(s)")
    assert message.endswith("(in a deployment where !Ref AWS::Region is not 'us-east-1')")


def test_an_alarm_in_some_regions_only_fails_the_alarm_requirements(tmp_path):
    template = copy.deepcopy(BASE)
    template["Conditions"] = {"InUsEast1": _region_is("us-east-1")}
    template["Resources"][_of_type(template, "AWS::CloudWatch::Alarm")[0]]["Condition"] = "InUsEast1"
    failed = _failed(template, tmp_path)
    assert {"R8", "C8", "H4"} <= set(failed)


def test_the_attachment_in_some_accounts_only_fails_r6(tmp_path):
    template = copy.deepcopy(BASE)
    template["Conditions"] = {"InProd": {"Fn::Equals": [{"Ref": "AWS::AccountId"}, "111122223333"]}}
    attachment = _of_type(template, "AWS::SecretsManager::SecretTargetAttachment")[0]
    template["Resources"][attachment]["Condition"] = "InProd"
    assert set(_failed(template, tmp_path)) == {"R6"}


def test_one_instance_or_its_twin_in_every_region_passes(tmp_path):
    """A rewrite that keeps the meaning: exactly two instances in every deployment."""
    template = copy.deepcopy(BASE)
    template["Conditions"] = {
        "InUsEast1": _region_is("us-east-1"),
        "Elsewhere": {"Fn::Not": [{"Condition": "InUsEast1"}]},
    }
    second = _second_instance_under(template, "InUsEast1")
    _twin_of(template, second, "Elsewhere")
    assert _failed(template, tmp_path) == {}


def test_a_region_equals_one_literal_at_most(tmp_path):
    """Twins in us-east-1 and in eu-west-1: no deployment has both (three instances), and one in
    a third region has neither."""
    template = copy.deepcopy(BASE)
    template["Conditions"] = {"East": _region_is("us-east-1"), "West": _region_is("eu-west-1")}
    second = _second_instance_under(template, "East")
    _twin_of(template, second, "West")
    [message] = _failed(template, tmp_path)["C6"]
    assert message.startswith("The cluster has 1 instance(s)")
    assert "is not 'us-east-1'" in message and "is not 'eu-west-1'" in message


def test_a_parameter_takes_one_of_its_allowed_values(tmp_path):
    """Site is a or b (no Default): the instance under IsA or its twin under IsB, in every deployment."""
    template = copy.deepcopy(BASE)
    template["Parameters"]["Site"] = {"Type": "String", "AllowedValues": ["a", "b"], "Description": "where"}
    template["Conditions"] = {
        "IsA": {"Fn::Equals": [{"Ref": "Site"}, "a"]},
        "IsB": {"Fn::Equals": [{"Ref": "Site"}, "b"]},
    }
    second = _second_instance_under(template, "IsA")
    _twin_of(template, second, "IsB")
    model = build_model("t.json", template)
    labels = [d.label for d in deployment_variants(model)]
    assert len(labels) == 2 and all("Site" in label for label in labels)  # (a, b) and (b, a): not both, not neither
    assert "C6" not in _failed(template, tmp_path)


def test_decided_conditions_make_no_variants():
    template = copy.deepcopy(BASE)
    template["Conditions"] = {"IsProd": {"Fn::Equals": [{"Ref": "EnvironmentSuffix"}, "prod"]}}
    _second_instance_under(template, "IsProd")
    assert deployment_variants(build_model("t.json", template)) == []
    assert deployment_variants(build_model("t.json", BASE)) == []


@pytest.mark.parametrize("count", [MAX_UNDECIDED_COMPARISONS, MAX_UNDECIDED_COMPARISONS + 1])
def test_variants_are_built_for_a_bounded_number_of_comparisons(count):
    template = copy.deepcopy(BASE)
    regions = [f"region-{i}" for i in range(count)]
    template["Conditions"] = {f"In{i}": _region_is(r) for i, r in enumerate(regions)}
    instance = _of_type(template, "AWS::RDS::DBInstance")[1]
    template["Resources"][instance]["Condition"] = "In0"
    for i in range(1, count):
        template["Outputs"][f"Only{i}"] = {"Condition": f"In{i}", "Value": "x"}
    variants = deployment_variants(build_model("t.json", template))
    # one region of the listed ones, or none of them
    assert len(variants) == (count + 1 if count <= MAX_UNDECIDED_COMPARISONS else 0)
