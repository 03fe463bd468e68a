"""The pre-commit hook `tapcheck`: it receives every staged text file, and its entry checks the governed
templates among them and skips the rest (tests/unit/test_adoption.py runs both hooks with pre-commit)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"


def hook() -> dict:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    return hooks["tapcheck"]


def test_the_hooks_take_every_text_file_and_filter_by_the_configuration_themselves():
    """No `files:` pattern decides before tapcheck reads the project configuration (src/tapcheck/adopt.py)."""
    from tapcheck.adopt import HOOKS

    shipped = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert shipped == HOOKS  # `tapcheck init` writes the same entries
    for entry in shipped:
        assert "files" not in entry and entry["types"] == ["text"] and "--only-governed" in entry["entry"]
    assert hook()["language"] == "python" and hook()["entry"].startswith("tapcheck check")


def test_the_entry_skips_what_is_not_a_template(tmp_path):
    """cloudformation/ directories often hold parameter files: named, skipped, not a failure."""
    (tmp_path / "cloudformation").mkdir()
    (tmp_path / "cloudformation" / "db.json").write_text(TEMPLATE.read_text())
    (tmp_path / "cloudformation" / "params.json").write_text(json.dumps([{"ParameterKey": "A", "ParameterValue": "b"}]))
    command = shlex.split(hook()["entry"])
    assert command[:2] == ["tapcheck", "check"]
    run = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", *command[1:], "cloudformation/db.json", "cloudformation/params.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == ""  # --quiet: nothing to say about a compliant template
    # ... but the file it skipped is named, with why (pre-commit shows it when the hook fails)
    assert (
        run.stderr.startswith(
            "tapcheck: skipped cloudformation/params.json: not governed: declares no AWS::RDS::DBCluster"
        )
        and len(run.stderr.splitlines()) == 1
    )
    broken = json.loads(TEMPLATE.read_text())
    del broken["Resources"]["AuroraCluster"]["Properties"]["BackupRetentionPeriod"]
    (tmp_path / "cloudformation" / "db.json").write_text(json.dumps(broken))
    failing = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", *command[1:], "cloudformation/db.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert failing.returncode == 1 and "BackupRetentionPeriod" in failing.stdout
