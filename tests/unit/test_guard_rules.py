"""The project's guard rules (rules/**/*.guard) pass their own `cfn-guard test` cases, and
every rule has cases for all three outcomes: SKIP (no such resource), PASS and FAIL."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tapcheck.requirements.registry import registry
from tapcheck.tools import guard

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
RULE_FILES = sorted(RULES.rglob("*.guard"))
HEADER_FIELDS = ("Rule Identifier:", "Check:", "Description:", "Reads:", "Reports on:", "Scenarios:")


def cases_file(rule_file: Path) -> Path:
    return rule_file.parent / "tests" / f"{rule_file.stem}_tests.yml"


def named_rules(rule_file: Path) -> list[str]:
    return re.findall(r"^rule\s+(\w+)", rule_file.read_text(), re.MULTILINE)


def test_there_are_rules():
    assert len(RULE_FILES) >= 5


def test_cfn_guard_test_passes_on_the_whole_rules_directory():
    done = subprocess.run(
        [guard.find_binary(), "test", "-d", str(RULES)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr
    for rule_file in RULE_FILES:  # every rule file was actually exercised
        assert f"{rule_file.name}" in done.stdout


def test_cfn_guard_test_fails_on_a_wrong_expectation(tmp_path):
    """The CI command would notice a broken rule: a wrong expectation makes it exit non-zero."""
    source = RULES / "r10_tags" / "required_tags.guard"
    (tmp_path / "tests").mkdir()
    (tmp_path / source.name).write_text(source.read_text())
    (tmp_path / "tests" / "required_tags_tests.yml").write_text(
        yaml.safe_dump(
            [
                {
                    "name": "untagged alarm wrongly expected to pass",
                    "input": {
                        "Tapcheck": {"taggable_types": ["AWS::CloudWatch::Alarm"]},
                        "Resources": {"Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {}}},
                    },
                    "expectations": {"rules": {"required_tags": "PASS"}},
                }
            ]
        )
    )
    done = subprocess.run(
        [guard.find_binary(), "test", "-d", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: p.stem)
def test_rule_has_tests_for_skip_pass_and_fail(rule_file):
    cases = yaml.safe_load(cases_file(rule_file).read_text())
    rule_names = named_rules(rule_file)
    assert rule_names == [rule_file.stem], "one named rule per file, named like the file"
    outcomes = {case["expectations"]["rules"][rule_file.stem] for case in cases}
    assert outcomes == {"SKIP", "PASS", "FAIL"}


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=lambda p: p.stem)
def test_rule_header_and_messages(rule_file):
    text = rule_file.read_text()
    header = text.split("\nlet ", 1)[0]
    for field in HEADER_FIELDS:
        assert field in header, f"header lacks {field}"
    for scenario in ("a) SKIP", "b) PASS", "c) FAIL"):
        assert scenario in header
    messages = re.findall(r"<<(.*?)>>", text, re.DOTALL)
    assert messages, "every check carries a message"
    for message in messages:
        assert message.split()[0] == rule_file.stem, message
        assert "Violation:" in message and "Fix:" in message
    check = re.search(r"# Check:\n#\s+([a-z0-9-]+)", header).group(1)
    assert registry().guard_rules[rule_file.stem] == check, "the header names the check the folder maps it to"
