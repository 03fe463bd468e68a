"""Template parameters are checked as CloudFormation checks them, with its ValidationError
texts (tapcheck.emulator.parameters), before anything is created."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tapcheck.emulator.parameters import ParameterError, validate

ROOT = Path(__file__).resolve().parents[2]


def refusal(declared: dict, given: dict, exists=None) -> str:
    with pytest.raises(ParameterError) as info:
        validate(declared, given, exists)
    return info.value.message


def test_the_seed_templates_defaults_pass_and_its_constraints_refuse() -> None:
    declared = json.loads((ROOT / "lib" / "TapStack.json").read_text())["Parameters"]
    net = {
        "SubnetId1": "subnet-0123456789abcdef0",
        "SubnetId2": "subnet-0123456789abcdef1",
        "VpcSecurityGroupId": "sg-0123456789abcdef0",
    }
    values = validate(declared, net)
    assert values["EnvironmentSuffix"] == "prod" and values["MasterUsername"] == "dbadmin"
    assert (
        refusal(declared, {**net, "EnvironmentSuffix": "../etc"})
        == "Parameter 'EnvironmentSuffix' failed to satisfy constraint: "
        + declared["EnvironmentSuffix"]["ConstraintDescription"]
    )
    assert "failed to satisfy constraint" in refusal(declared, {**net, "DatabaseName": 'evil" CONNECTION LIMIT 0 --'})
    assert "failed to satisfy constraint" in refusal(declared, {**net, "MasterUsername": "a" * 17})
    assert "failed to satisfy constraint" in refusal(declared, {**net, "MasterUsername": 'x","y'})


@pytest.mark.parametrize(
    "value, ok",
    [
        ("abc", True),
        ("ABC123", True),
        ("", False),
        ("ab-c", False),
        ("abc\n", False),
        ("abc abc", False),
        ("xabc", True),
    ],
)
def test_allowed_pattern_must_match_the_whole_value(value: str, ok: bool) -> None:
    declared = {"P": {"Type": "String", "AllowedPattern": "[a-zA-Z0-9]+"}}
    if ok:
        assert validate(declared, {"P": value}) == {"P": value}
    else:
        assert refusal(declared, {"P": value}) == "Parameter 'P' must match pattern [a-zA-Z0-9]+"


def test_pattern_anchored_or_not_is_a_whole_value_match() -> None:
    declared = {"P": {"Type": "String", "AllowedPattern": "abc"}}
    assert refusal(declared, {"P": "xabcx"}) == "Parameter 'P' must match pattern abc"
    assert validate(declared, {"P": "abc"})


def test_allowed_values() -> None:
    declared = {"Env": {"Type": "String", "AllowedValues": ["dev", "prod"]}}
    assert validate(declared, {"Env": "dev"}) == {"Env": "dev"}
    assert refusal(declared, {"Env": "Dev"}) == "Parameter 'Env' must be one of AllowedValues"
    numbers = {"N": {"Type": "Number", "AllowedValues": [1, 2]}}
    assert validate(numbers, {"N": "2"}) == {"N": "2"}
    assert refusal(numbers, {"N": "3"}) == "Parameter 'N' must be one of AllowedValues"


def test_lengths_apply_to_strings() -> None:
    declared = {"U": {"Type": "String", "MinLength": "2", "MaxLength": 4}}
    assert refusal(declared, {"U": "a"}) == "Parameter 'U' must contain at least 2 characters"
    assert refusal(declared, {"U": "abcde"}) == "Parameter 'U' must contain at most 4 characters"
    assert validate(declared, {"U": "abcd"})


@pytest.mark.parametrize("value", ["abc", "", "1,2", "0x10", "nan", "inf", "1_000", "--1"])
def test_number_type_refuses_what_is_not_a_number(value: str) -> None:
    assert refusal({"N": {"Type": "Number"}}, {"N": value}) == "Parameter 'N' must be a number"


@pytest.mark.parametrize("value", ["1", "-3", "2.5", ".5", "1e3", " 7 "])
def test_number_type_accepts_integers_and_floats(value: str) -> None:
    assert validate({"N": {"Type": "Number"}}, {"N": value})


def test_number_bounds() -> None:
    declared = {"N": {"Type": "Number", "MinValue": 1, "MaxValue": "10"}}
    assert refusal(declared, {"N": "0"}) == "Parameter 'N' must be a number not less than 1"
    assert refusal(declared, {"N": "10.5"}) == "Parameter 'N' must be a number not greater than 10"
    assert validate(declared, {"N": "10"})


def test_list_of_numbers_checks_every_member() -> None:
    declared = {"L": {"Type": "List<Number>", "MaxValue": 100}}
    assert validate(declared, {"L": "80,20"})
    assert refusal(declared, {"L": "80,x"}) == "Parameter 'L' must be a number"
    assert refusal(declared, {"L": "80,200"}) == "Parameter 'L' must be a number not greater than 100"


def test_comma_delimited_list_members_are_trimmed_and_each_checked() -> None:
    declared = {"C": {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]}}
    assert validate(declared, {"C": "a, b"})
    assert refusal(declared, {"C": "a,c"}) == "Parameter 'C' must be one of AllowedValues"
    patterned = {"C": {"Type": "CommaDelimitedList", "AllowedPattern": "[a-z]+"}}
    assert refusal(patterned, {"C": "ab,c1"}) == "Parameter 'C' must match pattern [a-z]+"


@pytest.mark.parametrize(
    "ptype, value",
    [
        ("AWS::EC2::Subnet::Id", "sg-0123456789abcdef0"),
        ("AWS::EC2::Subnet::Id", "subnet-../../x"),
        ("AWS::EC2::SecurityGroup::Id", "subnet-0123456789abcdef0"),
        ("AWS::EC2::VPC::Id", "vpc-XYZ"),
        ("AWS::EC2::AvailabilityZone::Name", "us-east-1"),
        ("AWS::EC2::Image::Id", "ami-"),
    ],
)
def test_aws_specific_types_refuse_values_of_the_wrong_shape(ptype: str, value: str) -> None:
    assert (
        refusal({"X": {"Type": ptype}}, {"X": value})
        == f"Parameter validation failed: parameter value {value} for parameter name X does not exist"
    )


def test_aws_specific_values_must_exist_in_the_account() -> None:
    existing = {"subnet-0123456789abcdef0"}

    def exists(ptype, value):
        return value in existing

    declared = {"S": {"Type": "List<AWS::EC2::Subnet::Id>"}}
    assert validate(declared, {"S": "subnet-0123456789abcdef0"}, exists)
    assert (
        refusal(declared, {"S": "subnet-0123456789abcdef0,subnet-0123456789abcdef9"}, exists)
        == "Parameter validation failed: parameter value subnet-0123456789abcdef9 for parameter name S does not exist"
    )


def test_constraint_description_replaces_the_reason() -> None:
    declared = {
        "P": {
            "Type": "String",
            "AllowedPattern": "[a-z]+",
            "MaxLength": 3,
            "ConstraintDescription": "lower-case letters, at most 3",
        }
    }
    expected = "Parameter 'P' failed to satisfy constraint: lower-case letters, at most 3"
    assert refusal(declared, {"P": "A"}) == expected
    assert refusal(declared, {"P": "abcd"}) == expected


def test_defaults_must_satisfy_the_constraints_too() -> None:
    declared = {"P": {"Type": "String", "Default": "Bad!", "AllowedPattern": "[a-z]+"}}
    assert refusal(declared, {}) == "Parameter 'P' must match pattern [a-z]+"


def test_missing_and_unknown_parameters() -> None:
    declared = {"A": {"Type": "String"}, "B": {"Type": "String", "Default": "x"}, "C": {"Type": "Number"}}
    assert refusal(declared, {}) == "Parameters: [A, C] must have values"
    assert refusal(declared, {"A": "1", "C": "1", "Z": "1"}) == "Parameters: [Z] do not exist in the template"


def test_unknown_parameter_type_is_a_template_error() -> None:
    assert (
        refusal({"P": {"Type": "Strnig"}}, {"P": "x"}) == "Template format error: Unrecognized parameter type: Strnig"
    )


def test_skip_leaves_parameters_to_be_filled_in_later() -> None:
    declared = {"SubnetId1": {"Type": "AWS::EC2::Subnet::Id"}, "Env": {"Type": "String", "AllowedValues": ["a"]}}
    assert validate(declared, {"Env": "a"}, skip=("SubnetId1",)) == {"Env": "a"}
    assert refusal({**declared}, {"Env": "a"}) == "Parameters: [SubnetId1] must have values"


@pytest.mark.parametrize(
    "pattern, good, bad",
    [
        (r"\p{Alpha}\p{Alnum}*", "db1", "1db"),
        (r"[\p{Lower}\d]+", "ab12", "Ab12"),
        (r"\P{Digit}+", "abc", "ab1"),
        (r"\Qa.b\E", "a.b", "axb"),
        (r"[a-z]+\z", "abc", "abc\n"),
        (r"\p{Punct}", "!", "a"),
    ],
)
def test_java_regular_expression_constructs_are_applied_as_java_does(pattern: str, good: str, bad: str) -> None:
    declared = {"P": {"Type": "String", "AllowedPattern": pattern}}
    assert validate(declared, {"P": good}) == {"P": good}
    assert refusal(declared, {"P": bad}) == f"Parameter 'P' must match pattern {pattern}"


def test_a_pattern_the_emulator_cannot_apply_is_a_template_error_not_a_pass() -> None:
    assert "is not a regular expression the emulator can apply" in refusal(
        {"P": {"Type": "String", "AllowedPattern": "(unclosed"}}, {"P": "x"}
    )
