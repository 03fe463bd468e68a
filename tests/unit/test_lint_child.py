"""`tapcheck check` lints in a forked child while the gate's own checks and cfn-guard run: the
findings are the ones cfn-lint gives in-process, and a child that fails is never a lost result."""

from __future__ import annotations

import gc
import json
import os
import pickle
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
    cluster["Properties"]["NotAProperty"] = 1  # E3002
    cluster["Properties"]["BackupRetentionPeriod"] = 99  # E3034: above the 35-day maximum
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc, indent=1))
    return load_template(str(path))


@pytest.fixture
def forking():
    assert threading.active_count() == 1, "this test needs the process's only thread, or nothing forks"


def _key(result):
    findings, docs = result
    return sorted((f.rule, f.path, f.line, f.column, f.message, f.check) for f in findings), sorted(docs.items())


def test_the_child_gives_the_in_process_findings(broken, forking):
    job = lint.start(broken, lint.Linting.CHILD)
    assert job.pid is not None
    forked = job.result()
    assert {f.rule for f in forked[0]} >= {"E3002", "E3034"}
    assert set(forked[1]) == {f.rule for f in forked[0]} and forked[1]["E3002"].help_uri
    assert _key(forked) == _key(lint.lint(broken))


def test_a_child_that_dies_is_replaced_by_linting_here(broken, forking):
    job = lint.start(broken, lint.Linting.CHILD)
    os.kill(job.pid, signal.SIGKILL)
    assert _key(job.result()) == _key(lint.lint(broken))


def test_nothing_forks_while_another_thread_runs(broken):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        job = lint.start(broken, lint.Linting.CHILD)
        assert job.pid is None
    finally:
        stop.set()
        other.join()
    assert {f.rule for f in job.result()[0]} >= {"E3002", "E3034"}


def test_nothing_forks_unless_the_caller_asks(broken):
    """How to lint is the caller's parameter (no module global steers it): the default lints here."""
    assert not hasattr(lint, "FORK_ALLOWED")
    job = lint.start(broken)
    assert job.pid is None
    assert {f.rule for f in job.result()[0]} >= {"E3002", "E3034"}


def test_the_child_sends_plain_values_without_reading_the_requirement_folders(broken, monkeypatch):
    """The child only lints (the folders are read once, by the parent, which maps rules to checks):
    what it sends back pickles, and turns into the same findings."""

    def no_registry():
        raise AssertionError("the lint child read the requirement folders")

    monkeypatch.setattr(lint, "registry", no_registry)
    found, docs = lint.matches(broken)
    assert {m.rule for m in found} >= {"E3002", "E3034"}
    sent = pickle.loads(pickle.dumps((found, docs)))
    assert sent == (found, docs)
    monkeypatch.undo()
    assert _key(([lint._finding(m, broken) for m in sent[0]], sent[1])) == _key(lint.lint(broken))


def test_the_child_lints_without_collecting(broken, forking, monkeypatch, tmp_path):
    """It lints one template and leaves: the collector is off there, whatever the parent does."""
    states = tmp_path / "collector"
    real = lint.matches

    def recording(loaded):
        with states.open("a") as out:
            out.write(f"{os.getpid()} {'on' if gc.isenabled() else 'off'}\n")
        return real(loaded)

    monkeypatch.setattr(lint, "matches", recording)
    assert gc.isenabled()
    job = lint.start(broken, lint.Linting.CHILD)
    findings, _ = job.result()
    assert gc.isenabled()  # the parent's collector untouched
    assert states.read_text() == f"{job.pid} off\n"  # linted once, in the child, not collecting
    assert {f.rule for f in findings} >= {"E3002", "E3034"}
