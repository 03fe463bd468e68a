"""The emulator's stack engine reads templates with the gate's own walkers: references through
tapcheck.template_refs (the order resources are created in) and property paths through
tapcheck.value_paths (what an update compares), and refuses stack names and logical ids as
CloudFormation does (emulator/stacks/names.py)."""

from __future__ import annotations

import pytest
from moto.cloudformation.exceptions import ValidationError

from tapcheck.emulator.stacks import names
from tapcheck.emulator.stacks.events import dependency_order
from tapcheck.template_refs import referenced_ids
from tapcheck.value_paths import MISSING, values_at


def _sub_with_local(variable: str) -> dict:
    # ${Topic} is the local variable of the map, not the resource named Topic (Fn::Sub: "the
    # variable's value" replaces it, https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html)
    return {"Fn::Sub": [f"arn:${{{variable}}}", {variable: "literal"}]}


def test_a_local_sub_variable_named_like_a_resource_is_no_reference() -> None:
    assert referenced_ids(_sub_with_local("Topic")) == set()
    assert referenced_ids({"Fn::Sub": "arn:${Topic}"}) == {"Topic"}
    assert referenced_ids({"Fn::Sub": ["${Topic.Arn}-${Local}", {"Local": {"Ref": "Key"}}]}) == {"Topic", "Key"}


def test_the_creation_order_follows_the_gate_walker() -> None:
    # Alarm's Fn::Sub declares a local ${Topic}; Topic itself references Alarm. A walker that took
    # the local variable for the resource would see a cycle (Alarm -> Topic -> Alarm).
    resources = {
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"AlarmDescription": _sub_with_local("Topic")}},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": {"Ref": "Alarm"}}},
        "Key": {"Type": "AWS::KMS::Key", "DependsOn": "Topic"},
    }
    assert dependency_order(resources) == ["Alarm", "Topic", "Key"]


def test_a_real_cycle_and_an_unknown_dependency_are_refused_as_cloudformation_words_them() -> None:
    cycle = {
        "A": {"Type": "T", "Properties": {"X": {"Ref": "B"}}},
        "B": {"Type": "T", "Properties": {"X": {"Fn::GetAtt": ["A", "Arn"]}}},
    }
    with pytest.raises(ValidationError, match=r"Circular dependency between resources: \['A', 'B', 'A'\]"):
        dependency_order(cycle)
    with pytest.raises(ValidationError, match=r"Unresolved resource dependencies \[Nowhere\]"):
        dependency_order({"A": {"Type": "T", "DependsOn": ["Nowhere"]}})


def test_values_at_a_schema_path() -> None:
    value = {"Rules": [{"Ports": [1, 2]}, {"Ports": [3]}, {}], "Name": "n"}
    assert values_at(value, ("Rules", "*", "Ports")) == [[1, 2], [3], MISSING]
    assert values_at(value, ("Name",)) == ["n"]
    assert values_at(value, ("Name", "Deeper")) == [MISSING]
    assert values_at(value, ("Absent", "*")) == [MISSING]
    assert values_at({"Rules": []}, ("Rules", "*", "Ports")) == []


# --- names CloudFormation refuses ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["a", "tapstack-prod", "A1-b2", "x" * 128])
def test_stack_names_cloudformation_accepts(name: str) -> None:
    names.check_stack_name(name)


@pytest.mark.parametrize(
    "name, message",
    [
        (
            "my_stack",
            (
                "1 validation error detected: Value 'my_stack' at 'stackName' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
            ),
        ),
        (
            "1stack",
            (
                "1 validation error detected: Value '1stack' at 'stackName' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
            ),
        ),
        (
            "a" * 129,
            (
                f"1 validation error detected: Value '{'a' * 129}' at 'stackName' failed to satisfy constraint: "
                "Member must have length less than or equal to 128"
            ),
        ),
        (
            "",
            (
                "2 validation errors detected: Value '' at 'stackName' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*; "
                "Value '' at 'stackName' failed to satisfy constraint: "
                "Member must have length greater than or equal to 1"
            ),
        ),
    ],
)
def test_stack_names_cloudformation_refuses(name: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        names.check_stack_name(name)
    assert refused.value.message == message


def test_a_change_set_may_name_its_stack_by_arn() -> None:
    names.check_change_set_stack_name("arn:aws:cloudformation:us-east-1:123456789012:stack/s/0f0e")
    with pytest.raises(ValidationError, match=r"pattern: \[a-zA-Z\]\[-a-zA-Z0-9\]\*\|arn:"):
        names.check_change_set_stack_name("bad name")


@pytest.mark.parametrize(
    "logical_id, message",
    [
        ("my-bucket", "Template format error: Resource name my-bucket is non alphanumeric."),
        ("SNS_TOPIC", "Template format error: Resource name SNS_TOPIC is non alphanumeric."),
        ("Émoji", "Template format error: Resource name Émoji is non alphanumeric."),
        (
            "A" * 256,
            (
                f"Template format error: Resource name {'A' * 256} is longer than 255 characters "
                "(emulator wording: AWS's is undocumented)"
            ),
        ),
    ],
)
def test_logical_ids_cloudformation_refuses(logical_id: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        names.check_logical_ids({"Resources": {"Good1": {"Type": "T"}, logical_id: {"Type": "T"}}})
    assert refused.value.message == message


def test_logical_ids_cloudformation_accepts() -> None:
    names.check_logical_ids({"Resources": {"Cluster": {}, "A" * 255: {}, "x9": {}}})
