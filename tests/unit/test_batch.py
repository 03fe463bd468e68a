"""A batch of templates is checked by one forked worker per core, with the batch's shared work done
once before; a template whose check crashes (even a worker killed) is one unchecked line and the
others keep their reports; templates a directory search decoded are not decoded again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tapcheck import batch, loader
from tapcheck.inputs import expand

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
SEED = ROOT / "tests" / "fixtures" / "seed_template.json"

# Runs in a fresh process (one thread, so the batch forks its workers): the gate is made to kill
# the process checking the seed, or to raise in it, and every evaluation records its process id.
SCRIPT = textwrap.dedent("""
    import json, os, signal, sys
    from tapcheck import batch, gate

    how, pids, *templates = sys.argv[1:]
    real = gate.evaluate_loaded

    def evaluate(loaded, *args, **kwargs):
        with open(pids, "a") as out:
            out.write(f"{os.getpid()}\\n")
        if loaded.path.endswith("seed_template.json"):
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise KeyError("a bug of tapcheck")
        return real(loaded, *args, **kwargs)

    gate.evaluate_loaded = evaluate
    result = batch.check_all(templates, workers=2)
    print(json.dumps({"main": os.getpid(), "reports": [[r.path, r.compliant] for r in result.reports],
                      "unchecked": [[u.path, u.problem, u.exit_code] for u in result.unchecked]}))
""")


def copies_of_the_template(tmp_path: Path) -> list[str]:
    for name in ("a.json", "b.json", "c.json"):
        shutil.copyfile(TEMPLATE, tmp_path / name)
    return [str(tmp_path / name) for name in ("a.json", "b.json", "c.json")]


def in_a_fresh_process(script: str, *argv: str) -> dict:
    """What the script prints (JSON), run in a new process whose one thread lets the batch fork."""
    run = subprocess.run(
        [sys.executable, "-c", script, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def run_batch(tmp_path: Path, how: str) -> tuple[dict, list[int], list[str]]:
    copies = copies_of_the_template(tmp_path)
    templates = [copies[0], str(SEED), copies[1], copies[2]]
    pids = tmp_path / "pids"
    result = in_a_fresh_process(SCRIPT, how, str(pids), *templates)
    return result, [int(p) for p in pids.read_text().split()], templates


def test_a_killed_worker_loses_its_template_alone(tmp_path):
    result, pids, templates = run_batch(tmp_path, "kill")
    assert result["reports"] == [[templates[0], True], [templates[2], True], [templates[3], True]]
    [[path, problem, code]] = result["unchecked"]
    assert (path, code) == (str(SEED), 4)
    assert problem == (
        f"tapcheck: {SEED}: internal error: the process checking it died (signal 9) "
        f"(fix: rerun with TAPCHECK_DEBUG=1 and report the traceback)"
    )
    assert result["main"] not in pids and len(set(pids)) >= 2  # forked workers, more than one


def test_a_bug_on_one_template_in_a_worker_is_one_line(tmp_path):
    result, pids, templates = run_batch(tmp_path, "raise")
    assert [path for path, _ in result["reports"]] == [templates[0], templates[2], templates[3]]
    [[path, problem, code]] = result["unchecked"]
    assert (path, code) == (str(SEED), 4)
    assert problem.startswith(f"tapcheck: {SEED}: internal error: KeyError: 'a bug of tapcheck'")
    assert result["main"] not in pids


def test_a_directorys_templates_are_decoded_once(tmp_path, monkeypatch):
    for name in ("one.json", "two.yaml"):
        shutil.copyfile(TEMPLATE, tmp_path / name)
    (tmp_path / "params.json").write_text(json.dumps([{"ParameterKey": "A", "ParameterValue": "b"}]))
    decoded: list[str] = []
    real = loader.decode

    def counting(text, label="<template>"):
        decoded.append(label)
        return real(text, label)

    monkeypatch.setattr(loader, "decode", counting)
    inputs = expand([str(tmp_path)])
    assert [Path(t).name for t in inputs.templates] == ["one.json", "two.yaml"]
    result = batch.check_all(inputs.templates, parsed=inputs.parsed, workers=1)
    assert [r.compliant for r in result.reports] == [True, True] and result.unchecked == []
    assert sorted(Path(label).name for label in decoded) == ["one.json", "params.json", "two.yaml"]


# A fresh process, its collector on or off as its caller chose (the console script turns it off):
# each evaluation records whether its worker collects and whether anything is frozen there.
COLLECTOR_SCRIPT = textwrap.dedent("""
    import gc, json, os, sys
    from tapcheck import batch, gate

    state, records, *templates = sys.argv[1:]
    if state == "off":
        gc.disable()
    real = gate.evaluate_loaded

    def evaluate(loaded, *args, **kwargs):
        with open(records, "a") as out:
            out.write(json.dumps([os.getpid(), gc.isenabled(), gc.get_freeze_count() > 0]) + "\\n")
        return real(loaded, *args, **kwargs)

    gate.evaluate_loaded = evaluate
    result = batch.check_all(templates, workers=2)
    print(json.dumps({"main": os.getpid(), "compliant": [r.compliant for r in result.reports],
                      "enabled": gc.isenabled(), "frozen": gc.get_freeze_count()}))
""")


@pytest.mark.parametrize("state", ["on", "off"])
def test_workers_collect_apart_from_what_they_inherit_and_the_caller_is_left_as_found(tmp_path, state):
    """Python's advice for fork without exec (gc.freeze): the parent freezes what the workers inherit
    just before forking them and thaws it after; the workers, which live for many templates,
    collect; the caller's collector is as it was."""
    records = tmp_path / "records"
    result = in_a_fresh_process(COLLECTOR_SCRIPT, state, str(records), *copies_of_the_template(tmp_path))
    assert result["compliant"] == [True, True, True]
    assert result["enabled"] is (state == "on") and result["frozen"] == 0
    seen = [json.loads(line) for line in records.read_text().splitlines()]
    assert len(seen) == 3 and all(pid != result["main"] for pid, _, _ in seen)
    assert all(enabled and frozen for _, enabled, frozen in seen)
