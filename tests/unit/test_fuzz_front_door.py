"""Fuzzing the front door: the loader and `tapcheck check` on arbitrary bytes, JSON and YAML,
deeply nested and huge inputs. Always exit 0, 1 or 2 with a message; never a traceback; never
a hang (the nastiest inputs run in a subprocess under a timeout).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, note, settings
from hypothesis import strategies as st

from tapcheck.cli import main
from tapcheck.errors import UsageError
from tapcheck.loader import parse_text

SCALE = settings.default.max_examples / 100
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 90

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=40,
)
INTRINSICS = [
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::If",
    "Fn::Select",
    "Fn::Split",
    "Fn::FindInMap",
    "Fn::ImportValue",
    "Fn::Base64",
    "Fn::GetAZs",
    "Condition",
    "Fn::Equals",
    "Fn::Not",
]
TYPES = [
    "AWS::RDS::DBCluster",
    "AWS::RDS::DBInstance",
    "AWS::SNS::Topic",
    "AWS::CloudWatch::Alarm",
    "AWS::SecretsManager::Secret",
    "AWS::RDS::DBSubnetGroup",
    "AWS::IAM::Role",
    "Custom::Thing",
    "AWS::Nope::Nope",
]
# Values shaped like template fragments: intrinsic functions with arbitrary arguments.
cfn_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(INTRINSICS), inner, min_size=1, max_size=1),
        st.dictionaries(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef", min_size=1, max_size=8), inner, max_size=4),
    ),
    max_leaves=30,
)
resources = st.dictionaries(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6),
    st.fixed_dictionaries(
        {"Type": st.sampled_from(TYPES)},
        optional={
            "Properties": st.dictionaries(st.text("ABCDEFGHIJKLMNOP", min_size=1, max_size=8), cfn_values, max_size=5),
            "DependsOn": st.one_of(st.text(max_size=5), st.lists(st.text(max_size=5))),
            "Condition": st.text(max_size=5),
            "DeletionPolicy": st.sampled_from(["Delete", "Retain", "Snapshot", 3]),
        },
    ),
    min_size=1,
    max_size=4,
)
templates = st.fixed_dictionaries(
    {"Resources": resources},
    optional={
        "Parameters": st.dictionaries(st.text(min_size=1, max_size=6), cfn_values, max_size=3),
        "Conditions": st.dictionaries(st.text(min_size=1, max_size=6), cfn_values, max_size=2),
        "Outputs": st.dictionaries(st.text(min_size=1, max_size=6), cfn_values, max_size=3),
        "AWSTemplateFormatVersion": st.sampled_from(["2010-09-09", "2020", 1]),
    },
)
YAML_TOKENS = [
    "!Ref",
    "!Sub",
    "!GetAtt",
    "!Join",
    "!If",
    "!Bogus",
    ":",
    "- ",
    "  ",
    "\n",
    "{",
    "}",
    "[",
    "]",
    ",",
    "&a",
    "*a",
    "<<: *a",
    "Resources",
    "Type",
    "AWS::SNS::Topic",
    "'",
    '"',
    "#",
    "|",
    ">",
    "---",
    "...",
    "%YAML 1.2",
    "? ",
    "!!python/object:os.system",
    "!!binary",
    "x",
    "1",
    "true",
    "null",
    "~",
]
yamlish = st.lists(st.sampled_from(YAML_TOKENS), max_size=60).map("".join)


def _parse_ok_or_usage_error(text: str) -> None:
    try:
        tree = parse_text(text, "fuzz")
    except UsageError as error:
        line = error.line()
        assert line.startswith("tapcheck: ") and "\n" not in line and "Traceback" not in line
        return
    assert isinstance(tree, dict) and isinstance(tree.get("Resources"), dict)


@settings(max_examples=max(50, int(150 * SCALE)))
@given(
    st.one_of(
        st.text(),
        json_values.map(json.dumps),
        templates.map(json.dumps),
        yamlish,
        json_values.map(lambda v: yaml.safe_dump(v)),
        templates.map(lambda v: yaml.safe_dump(v)),
    )
)
def test_parse_text_returns_a_template_or_a_usage_error(text):
    _parse_ok_or_usage_error(text)


def _run_cli(tmp_path: Path, payload: bytes, suffix: str = ".json") -> tuple[int, str]:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(payload)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["check", str(path)])
    assert code in (0, 1, 2), code
    assert "Traceback" not in err.getvalue() and "Traceback" not in out.getvalue()
    if code == 2:
        lines = err.getvalue().strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("tapcheck: "), err.getvalue()
        assert "internal error" not in lines[0], f"a crash of ours, not unusable input: {lines[0]}"
        assert "/tapcheck-" not in lines[0], f"blames the gate's scratch copy, not the input: {lines[0]}"
    else:
        assert out.getvalue().strip(), "a report is printed"
    return code, err.getvalue()


@settings(max_examples=max(30, int(60 * SCALE)))
@given(
    payload=st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        yamlish.map(str.encode),
        json_values.map(lambda v: json.dumps(v).encode()),
    ),
    suffix=st.sampled_from([".json", ".yaml", ".template", ""]),
)
def test_cli_on_arbitrary_bytes(tmp_path_factory, payload, suffix):
    _run_cli(tmp_path_factory.mktemp("fuzz"), payload, suffix)


@settings(max_examples=max(5, int(8 * SCALE)))
@given(template=templates, as_yaml=st.booleans())
def test_cli_on_template_shaped_input(tmp_path_factory, template, as_yaml):
    """Inputs that get past the loader run the whole gate (tools included): still 0, 1 or 2."""
    payload = (yaml.safe_dump(template) if as_yaml else json.dumps(template)).encode()
    code, err = _run_cli(tmp_path_factory.mktemp("fuzz"), payload, ".yaml" if as_yaml else ".json")
    note(f"exit {code}: {err.strip()}")


def _deep_json_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def _deep_json_object(depth: int) -> str:
    return '{"Resources": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


def _deep_yaml(depth: int) -> str:
    return "Resources:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(depth)) + "  " * (depth + 1) + "v: 1\n"


def _deep_flow_yaml(depth: int) -> str:
    return "Resources: " + "[" * depth + "]" * depth + "\n"


def _alias_bomb() -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("Resources:\n  R:\n    Type: AWS::SNS::Topic\n    Properties:\n      Tags: *a9")
    return "\n".join(lines) + "\n"


def _huge_json() -> str:
    body = {f"Topic{i}": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "x" * 200}} for i in range(6000)}
    return json.dumps({"Resources": body})


NASTY = {
    "json-100k-nested-lists": (_deep_json_list(100_000), ".json"),
    "json-50k-nested-objects": (_deep_json_object(50_000), ".json"),
    "yaml-5k-nested-mappings": (_deep_yaml(5_000), ".yaml"),
    "yaml-100k-nested-flow": (_deep_flow_yaml(100_000), ".yaml"),
    "yaml-billion-laughs": (_alias_bomb(), ".yaml"),
    "json-over-1MB": (_huge_json(), ".json"),
    "json-900kB-many-strings": (
        json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": "y" * 900_000}}}}),
        ".json",
    ),
}


@pytest.mark.parametrize("name", sorted(NASTY))
def test_nasty_input_in_process(tmp_path, name):
    text, suffix = NASTY[name]
    _run_cli(tmp_path, text.encode(), suffix)


@pytest.mark.parametrize(
    "name", ["json-100k-nested-lists", "yaml-100k-nested-flow", "yaml-billion-laughs", "json-over-1MB"]
)
def test_nasty_input_in_a_subprocess_never_hangs(tmp_path, name):
    text, suffix = NASTY[name]
    path = tmp_path / f"nasty{suffix}"
    path.write_text(text)
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    env.pop("TAPCHECK_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    if result.returncode == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
