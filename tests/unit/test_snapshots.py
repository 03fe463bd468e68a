"""The gate's whole JSON report on fixed templates, compared with the snapshot scripts/update-snapshots
wrote (tests/fixtures/results/): any difference fails — an extra finding, a changed message, a lost
requirement — not only a missing expected finding. Regenerate with the script and review the diff."""

from __future__ import annotations

import json

import pytest
from cli_in_process import ROOT, tapcheck

SNAPSHOTS = {"seed_template": "tests/fixtures/seed_template.json", "TapStack": "lib/TapStack.json"}


@pytest.mark.parametrize("name", sorted(SNAPSHOTS))
def test_the_json_report_is_the_snapshot(name):
    run = tapcheck("check", SNAPSHOTS[name], "--format", "json", "--no-config")
    expected = json.loads((ROOT / "tests" / "fixtures" / "results" / f"{name}.json").read_text())
    assert json.loads(run.stdout) == expected, "the report changed: run scripts/update-snapshots and review the diff"
    assert run.returncode == (0 if expected["compliant"] else 1)
