"""The pre-commit hook `tapcheck`: templates only by default, and its entry copes with whatever
its pattern (or a user's wider one) passes."""

from __future__ import annotations

import json
import re
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


def test_the_default_pattern_matches_templates_only():
    entry = hook()
    assert entry["language"] == "python" and entry["entry"].startswith("tapcheck check")
    pattern = re.compile(entry["files"])
    templates = ("lib/TapStack.json", "stacks/db.template.yaml", "db.template.json", "legacy/vpc.template",
                 "template.yaml", "app/template.yml", "sam/template.json", "cloudformation/network.yaml",
                 "infra/cloudformation/nested/db.json")
    others = ("package.json", "tsconfig.json", ".pre-commit-config.yaml", ".github/workflows/ci.yml",
              "tests/fixtures/seed_template.json", "lib/sub/x.json", "docs/mkdocs.yml", "config/app.yaml",
              "my_template.yaml", "templates.json", "cloudformation.md")
    for path in templates:
        assert pattern.search(path), path
    for path in others:
        assert not pattern.search(path), path


def test_the_entry_skips_what_is_not_a_template(tmp_path):
    """cloudformation/ directories often hold parameter files: named, skipped, not a failure."""
    (tmp_path / "cloudformation").mkdir()
    (tmp_path / "cloudformation" / "db.json").write_text(TEMPLATE.read_text())
    (tmp_path / "cloudformation" / "params.json").write_text(json.dumps([{"ParameterKey": "A", "ParameterValue": "b"}]))
    command = shlex.split(hook()["entry"])
    assert command[:2] == ["tapcheck", "check"]
    run = subprocess.run([sys.executable, "-m", "tapcheck.cli", *command[1:], "cloudformation/db.json",
                          "cloudformation/params.json"], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == "" and run.stderr == ""           # --quiet: nothing to say about a compliant template
    broken = json.loads(TEMPLATE.read_text())
    del broken["Resources"]["AuroraCluster"]["Properties"]["BackupRetentionPeriod"]
    (tmp_path / "cloudformation" / "db.json").write_text(json.dumps(broken))
    failing = subprocess.run([sys.executable, "-m", "tapcheck.cli", *command[1:], "cloudformation/db.json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert failing.returncode == 1 and "BackupRetentionPeriod" in failing.stdout
