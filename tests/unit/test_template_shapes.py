"""Templates of shapes public templates use (tests/fixtures/shapes/): the gate reads each without
an internal error, and the model resolves them as CloudFormation would. Each fixture stands for
a class of crash or false finding seen on public templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tapcheck.gate import evaluate_file
from tapcheck.loader import load_template
from tapcheck.model import ParamRef, build_model

SHAPES = Path(__file__).resolve().parents[1] / "fixtures" / "shapes"
PYTHON_REPR = re.compile(r"\b(Unknown|ResourceRef|AttrRef|ParamRef|PseudoRef|Text|Str)\(|\bNone\b")


@pytest.fixture(scope="module")
def reports():
    return {path.stem: evaluate_file(str(path)) for path in sorted(SHAPES.glob("*.yaml"))}


def test_every_shape_is_judged_with_findings_an_author_can_read(reports):
    assert set(reports) == {p.stem for p in SHAPES.glob("*.yaml")}
    for name, report in reports.items():
        for finding in report.findings:
            assert not PYTHON_REPR.search(finding.message), f"{name}: {finding.message}"
            assert finding.line, f"{name}: {finding.rule} {finding.path} has no line"


def test_unquoted_yaml_dates_read_as_the_text_written():
    tree = load_template(str(SHAPES / "yaml_dates.yaml")).tree
    assert tree["AWSTemplateFormatVersion"] == "2010-09-09"
    role = tree["Resources"]["Role"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Version"] == "2012-10-17"
    assert role["Tags"][0]["Value"] == "2024-01-01T10:00:00Z"


def test_foreach_loops_are_expanded_and_their_findings_point_at_the_loop(reports):
    model = build_model("foreach", load_template(str(SHAPES / "foreach.yaml")).tree)
    assert set(model.resources) == {"Queueorders", "Queuepayments", "Topic"}
    assert model.resources["Queuepayments"].properties["QueueName"] == "app-pay-ments"
    assert model.resources["Topic"].properties["DisplayName"] == "alarms"
    assert set(model.outputs) == {"Urlorders", "Urlpayments"}
    tagged = [f for f in reports["foreach"].findings if f.check == "required-tags" and f.resource == "Queuepayments"]
    assert tagged and all(f.line == 10 for f in tagged)  # the Fn::ForEach::Queues line


def test_a_loop_over_a_list_known_only_at_deploy_time_is_not_guessed():
    tree = load_template(str(SHAPES / "foreach.yaml")).tree
    del tree["Parameters"]["Queues"]["Default"]
    model = build_model("foreach", tree)
    assert not [r for r in model.resources if r.startswith("Queue")]
    assert "Fn::ForEach::Queues" in model.unexpanded


def test_tags_of_every_shape_are_read(reports):
    missing = {
        (f.resource, f.message.split(" tag ")[1].split()[0])
        for f in reports["tag_shapes"].findings
        if f.check == "required-tags" and f.source == "tapcheck"
    }
    assert missing == {("Files", "ManagedBy"), ("Setting", "ManagedBy"), ("Users", "ManagedBy"), ("Queue", "ManagedBy")}


def test_a_reference_under_its_own_condition_is_not_dangling(reports):
    assert [f for f in reports["conditional_references"].findings if f.check == "references"] == []


def test_split_of_a_join_keeps_each_subnet_and_unknowns_stay_unknown(reports):
    model = build_model("split", load_template(str(SHAPES / "split_and_unknowns.yaml")).tree)
    assert model.resources["Joined"].properties["SubnetIds"] == [ParamRef("SubnetA"), ParamRef("SubnetB")]
    messages = {
        f.check: f.message
        for f in reports["split_and_unknowns"].findings
        if f.resource == "Cluster" and f.source == "tapcheck"
    }
    assert "known only at deploy time" in messages["storage-encrypted"]
    assert "Fn::ImportValue" in messages["aws-managed-keys"] and "deploy time" in messages["aws-managed-keys"]
