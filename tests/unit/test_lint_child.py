"""`tapcheck check` lints in a forked child while the gate's own checks and cfn-guard run: the
findings are the ones cfn-lint gives in-process, and a child that fails is never a lost result."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from tapcheck.loader import load_template
from tapcheck.tools import lint

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def broken(tmp_path: Path):
    doc = json.loads((ROOT / "lib" / "TapStack.json").read_text())
    cluster = next(r for r in doc["Resources"].values() if r["Type"] == "AWS::RDS::DBCluster")
    cluster["Properties"]["NotAProperty"] = 1            # E3002
    cluster["Properties"]["BackupRetentionPeriod"] = 99  # E3034: above the 35-day maximum
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc, indent=1))
    return load_template(str(path))


@pytest.fixture
def forking(monkeypatch):
    monkeypatch.setattr(lint, "FORK_ALLOWED", True)
    assert threading.active_count() == 1, "this test needs the process's only thread, or nothing forks"


def _key(findings):
    return sorted((f.rule, f.path, f.line, f.column, f.message, f.check) for f in findings)


def test_the_child_gives_the_in_process_findings(broken, forking):
    job = lint.start(broken)
    assert job.pid is not None
    forked = job.result()
    assert {f.rule for f in forked} >= {"E3002", "E3034"}
    assert _key(forked) == _key(lint.run(broken))


def test_a_child_that_dies_is_replaced_by_linting_here(broken, forking):
    job = lint.start(broken)
    os.kill(job.pid, signal.SIGKILL)
    assert _key(job.result()) == _key(lint.run(broken))


def test_nothing_forks_while_another_thread_runs(broken, monkeypatch):
    monkeypatch.setattr(lint, "FORK_ALLOWED", True)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        job = lint.start(broken)
        assert job.pid is None
    finally:
        stop.set()
        other.join()
    assert {f.rule for f in job.result()} >= {"E3002", "E3034"}


def test_nothing_forks_unless_allowed(broken):
    assert lint.FORK_ALLOWED is False
    assert lint.start(broken).pid is None
