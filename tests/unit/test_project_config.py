"""A project adds guard rules and waivers only explicitly (options or a config file), maps its
rules to checks by data, and the report header says what was added."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_in_process import tapcheck as in_process

from tapcheck.errors import UsageError
from tapcheck.project import ProjectConfig, find, resolve

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"

# Fails on the compliant template: its CPU alarm has actions.
ALARM_RULE = """
let alarms = Resources.*[ Type == "AWS::CloudWatch::Alarm" ]
rule alarm_without_actions when %alarms not empty {
    %alarms.Properties.AlarmActions empty
    <<
        Violation: the alarm notifies someone.
        Fix: remove its actions.
    >>
}
"""


def tapcheck(*args: str, cwd: Path):
    """In-process (cli_in_process), without a TAPCHECK_WAIVERS the caller may have set."""
    saved = os.environ.pop("TAPCHECK_WAIVERS", None)
    try:
        return in_process(*args, cwd=cwd)
    finally:
        if saved is not None:
            os.environ["TAPCHECK_WAIVERS"] = saved


@pytest.fixture
def repo(tmp_path) -> Path:
    """A user's repository: its own rules/ and a pyproject.toml without [tool.tapcheck]."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "TapStack.json").write_text(TEMPLATE.read_text())
    (tmp_path / "policy").mkdir()
    (tmp_path / "policy" / "alarm_without_actions.guard").write_text(ALARM_RULE)
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "userapp"\nversion = "1.0"\n\n[tool.black]\nline-length = 100\n'
    )
    return tmp_path


def add_config(repo: Path, body: str) -> None:
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + "\n[tool.tapcheck]\n" + body)


def test_no_config_means_tapcheck_alone_and_the_header_says_so(repo):
    run = tapcheck("check", "lib/TapStack.json", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines()[0] == "config: none (tapcheck's own rules and waivers only)"
    assert json.loads(tapcheck("check", "lib/TapStack.json", "--format", "json", cwd=repo).stdout)["config"] is None


def test_config_rules_mapped_to_a_check_land_on_its_requirements(repo):
    add_config(repo, 'rules = ["policy"]\n\n[tool.tapcheck.guard]\nalarm_without_actions = "alarm-notifies"\n')
    run = tapcheck("check", "lib/TapStack.json", "--format", "json", cwd=repo)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    [finding] = [f for f in report["findings"] if f["rule"] == "alarm_without_actions"]
    assert finding["check"] == "alarm-notifies" and finding["requirements"] == ["H4"]
    assert finding["source"] == "cfn-guard" and finding["resource"] == "CPUUtilizationAlarm"
    assert finding["line"] is not None
    failed = {r["id"] for r in report["requirements"] if r["status"] == "fail"}
    assert failed == {"H4"}
    assert report["config"]["source"].endswith("pyproject.toml [tool.tapcheck]")
    text = tapcheck("check", "lib/TapStack.json", cwd=repo).stdout.splitlines()[0]
    assert text.startswith("config: ") and "pyproject.toml [tool.tapcheck]" in text and "1 of 1 rule(s) mapped" in text


def test_an_unmapped_extra_rule_fails_the_unmapped_row(repo):
    (repo / ".tapcheck.yaml").write_text("rules: [policy]\n")  # .tapcheck.yaml is found first
    run = tapcheck("check", "TapStack.json", "--format", "json", cwd=repo / "lib")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    rows = {r["id"]: r["status"] for r in report["requirements"]}
    assert rows["unmapped"] == "fail" and [k for k, v in rows.items() if v == "fail"] == ["unmapped"]
    assert report["config"]["source"] == str(repo / ".tapcheck.yaml")


def test_options_add_rules_and_no_config_ignores_the_file(repo):
    add_config(repo, 'rules = ["policy"]\n')
    assert tapcheck("check", "lib/TapStack.json", "--no-config", cwd=repo).returncode == 0
    outside = repo.parent
    run = tapcheck(
        "check", str(repo / "lib" / "TapStack.json"), "--rules", str(repo / "policy"), "--no-config", cwd=outside
    )
    assert run.returncode == 1 and "config: command-line options" in run.stdout
    explicit = tapcheck(
        "check", str(repo / "lib" / "TapStack.json"), "--config", str(repo / "pyproject.toml"), cwd=outside
    )
    assert explicit.returncode == 1 and "alarm_without_actions" in explicit.stdout


def test_project_waivers_are_governed_like_tapchecks(repo):
    (repo / "policy" / "waivers.yaml").write_text(
        "waivers:\n  - control: CT.CLOUDWATCH.PR.3\n    resource: AuroraCluster\n    requirement: C7\n"
        "    reason: a control that never fires on a cluster\n"
    )
    add_config(repo, 'waivers = "policy/waivers.yaml"\n')
    run = tapcheck("check", "lib/TapStack.json", "--format", "json", cwd=repo)
    assert run.returncode == 1, run.stderr
    [unused] = [f for f in json.loads(run.stdout)["findings"] if f["rule"] == "waiver.unused"]
    assert unused["file"] == str(repo / "policy" / "waivers.yaml") and "CT.CLOUDWATCH.PR.3" in unused["message"]
    (repo / "policy" / "waivers.yaml").write_text(
        "waivers:\n  - control: CT.RDS.PR.99\n    resource_type: AWS::RDS::DBCluster\n    requirement: C2\n"
        "    reason: C2 does not conflict with this control\n"
    )
    unforced = tapcheck("check", "lib/TapStack.json", cwd=repo)
    assert unforced.returncode == 2 and "C2's checks do not conflict with it" in unforced.stderr
    (repo / "policy" / "waivers.yaml").write_text(
        "waivers:\n  - control: CT.RDS.PR.3\n    resource_type: AWS::RDS::DBCluster\n    requirement: H4\n"
        "    reason: hardening cannot force an exception\n"
    )
    bad = tapcheck("check", "lib/TapStack.json", cwd=repo)
    assert bad.returncode == 2 and "not a requirement of the spec" in bad.stderr


def test_find_stops_at_the_repository_root(tmp_path):
    (tmp_path / ".tapcheck.yaml").write_text("rules: []\n")  # outside the repository: never read
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    (repo / "a" / "b").mkdir(parents=True)
    assert find(repo / "a" / "b") is None
    (repo / "pyproject.toml").write_text("[tool.tapcheck]\n")
    assert find(repo / "a" / "b") == (repo / "pyproject.toml").resolve()


@pytest.mark.parametrize(
    "body, problem",
    [
        ("unknown = 1\n", "unknown keys ['unknown']"),
        ('rules = ["missing"]\n', "no such file or directory"),
        (
            'rules = "policy"\n\n[tool.tapcheck.guard]\nalarm_without_actions = "no-such-check"\n',
            "which is not a check",
        ),
        ('rules = "policy"\n\n[tool.tapcheck.guard]\nnot_a_rule = "cpu-alarm"\n', "no extra rule file defines"),
        ('waivers = "policy/none.yaml"\n', "no such file"),
        ("rules = 7\n", "`rules` is not a list of paths"),
    ],
)
def test_a_bad_config_is_one_line_and_exit_2(repo, body, problem):
    add_config(repo, body)
    with pytest.raises(UsageError) as raised:
        resolve(start=repo)
    assert problem in raised.value.line()
    run = tapcheck("check", "lib/TapStack.json", cwd=repo)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and problem in run.stderr


def test_a_broken_pyproject_is_one_line_with_a_way_out(repo):
    (repo / "pyproject.toml").write_text("[project\nname = 1\n")
    run = tapcheck("check", "lib/TapStack.json", cwd=repo)
    assert run.returncode == 2 and "is not valid TOML" in run.stderr and "--no-config" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert tapcheck("check", "lib/TapStack.json", "--no-config", cwd=repo).returncode == 0


def test_nothing_added_is_no_config(repo):
    assert resolve(start=repo) is None
    assert resolve(no_config=True) is None
    assert ProjectConfig().describe() == "config: none (tapcheck's own rules and waivers only)"
