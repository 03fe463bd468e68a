"""Small things a user meets at the front door: a YAML tab error says where and that it is a tab;
a registry type (a third-party or private extension) is read as an opaque resource with a note,
not refused; `--output` leaves a one-line summary on stderr."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tapcheck.errors import UsageError
from tapcheck.gate import evaluate_file
from tapcheck.loader import is_registry_type, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"


def tapcheck(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


TABS = {
    "indentation": ("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n\tBucketName: x\n", 5, 1),
    "a blank line": (
        (
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: abc\n"
            "\t\n      Tags: []\n"
        ),
        6,
        1,
    ),
    "inside an indent": ("Resources:\n  B:\n    Type: AWS::S3::Bucket\n  \tProperties: {}\n", 4, 3),
}


@pytest.mark.parametrize("case", sorted(TABS))
def test_a_tab_error_gives_line_and_column_and_says_tab(case, tmp_path):
    text, line, column = TABS[case]
    path = tmp_path / "template.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as raised:
        load_template(str(path))
    assert raised.value.problem.startswith(f"is not valid YAML at line {line}, column {column}: a tab character")
    assert raised.value.fix == "indent with spaces, not tabs"
    run = tapcheck("check", str(path))
    assert run.returncode == 2 and run.stderr.count("\n") == 1
    assert f"line {line}, column {column}: a tab character" in run.stderr


def test_other_syntax_errors_give_line_and_column_too(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text("Resources:\n  Bucket: [\n")
    with pytest.raises(UsageError) as raised:
        load_template(str(path))
    assert raised.value.problem.startswith("is not valid JSON or YAML at line 3, column 1:")
    assert "tab" not in raised.value.problem


@pytest.mark.parametrize(
    "name, registry",
    [
        ("AWSQS::EKS::Cluster", True),
        ("MyCompany::Net::Vpc::MODULE", True),
        ("Datadog::Monitors::Monitor", True),
        ("AWS::RDS::DBCluster", False),
        ("Alexa::ASK::Skill", False),
        ("Custom::Thing", False),
        ("Dev::Test::Thing", False),
        ("amzn::a::b", False),
        ("AWSQS::EKS", False),
        ("AWSQS::EKS::Cluster::X", False),
    ],
)
def test_registry_types_are_names_under_an_unreserved_organisation(name, registry):
    assert is_registry_type(name) is registry


def test_a_registry_type_is_an_opaque_resource_with_a_note(tmp_path):
    template = json.loads(TEMPLATE.read_text())
    template["Resources"]["Eks"] = {
        "Type": "AWSQS::EKS::Cluster",
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
        "Properties": {"Name": "x", "RoleArn": "arn:aws:iam::123456789012:role/x"},
    }
    template["Outputs"]["EksArn"] = {"Value": {"Fn::GetAtt": ["Eks", "Arn"]}}
    path = tmp_path / "with-registry-type.json"
    path.write_text(json.dumps(template, indent=2))
    report = evaluate_file(str(path))
    assert report.compliant
    notes = [f for f in report.findings if f.resource == "Eks"]
    assert [(f.rule, f.severity.value, f.requirements, f.blocking) for f in notes] == [
        ("registry-type", "info", ("S8",), False)
    ]
    assert "AWSQS::EKS::Cluster is a registry type" in notes[0].message and "not type-checked" in notes[0].message
    # cfn-lint's "type does not exist" on it is part of the note, not a defect of its own
    assert [(e.source, e.rule) for e in notes[0].sources] == [("tapcheck", "registry-type"), ("cfn-lint", "E3006")]
    assert notes[0].line == next(i for i, row in enumerate(path.read_text().splitlines(), 1) if "AWSQS" in row)
    run = tapcheck("check", str(path))
    assert run.returncode == 0 and "registry-type Eks" in run.stdout


def test_an_unknown_aws_type_is_still_refused(tmp_path):
    template = json.loads(TEMPLATE.read_text())
    template["Resources"]["Typo"] = {"Type": "AWS::RDS::DBClustr", "Properties": {}}
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(template))
    run = tapcheck("check", str(path))
    assert run.returncode == 2 and "unknown type 'AWS::RDS::DBClustr'" in run.stderr


def test_output_leaves_a_one_line_summary_on_stderr(tmp_path):
    broken = json.loads(TEMPLATE.read_text())
    broken["Resources"]["AuroraCluster"]["Properties"]["BackupRetentionPeriod"] = 3
    (tmp_path / "broken.json").write_text(json.dumps(broken, indent=2))
    out = tmp_path / "report.sarif"
    run = tapcheck("check", str(TEMPLATE), str(tmp_path / "broken.json"), "--format", "sarif", "--output", str(out))
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr == (
        f"tapcheck: wrote the sarif report to {out}: 1 of 2 templates compliant, 1 blocking finding (failed: R4, C3)\n"
    )
    assert json.loads(out.read_text())["version"] == "2.1.0"
    quiet = tapcheck("check", str(TEMPLATE), "--output", str(tmp_path / "r.txt"), "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""
