"""The `tapcheck` console script (tapcheck.cli.run): `check` runs without the cycle collector and
leaves without Python's teardown, yet exits as Python would: exit handlers run, the report reaches
its reader whole, the exit code is main()'s, and a thread still alive is waited for."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tapcheck.cli import QUICK_EXIT_COMMANDS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
SEED = ROOT / "tests" / "fixtures" / "seed_template.json"

# In a fresh process, as the console script: an exit handler and (optionally) a thread that is
# still working when main() returns each leave a mark; the gate records whether it ran collecting.
SCRIPT = textwrap.dedent("""
    import atexit, gc, sys, threading, time
    from tapcheck import cli, gate

    marks, thread, *argv = sys.argv[1:]

    def mark(text):
        with open(marks, "a") as out:
            out.write(text + "\\n")

    atexit.register(mark, "exit handler ran")
    real = gate.evaluate_loaded
    checked = threading.Event()

    def evaluate(*args, **kwargs):
        mark(f"collector {'on' if gc.isenabled() else 'off'}")
        try:
            return real(*args, **kwargs)
        finally:
            checked.set()

    gate.evaluate_loaded = evaluate
    if thread == "thread":  # still working well after main() has returned
        threading.Thread(target=lambda: (checked.wait(), time.sleep(1), mark("thread finished"))).start()
    sys.argv = ["tapcheck", *argv]
    cli.run()
""")


def console(tmp_path: Path, *argv: str, thread: bool = False) -> tuple[subprocess.CompletedProcess, list[str]]:
    marks = tmp_path / "marks"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(marks), "thread" if thread else "-", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done, marks.read_text().splitlines() if marks.exists() else []


def test_check_is_a_quick_exit_command():
    assert QUICK_EXIT_COMMANDS == {"tapcheck check"}


def test_check_runs_without_the_collector_and_exits_as_python_would(tmp_path):
    done, marks = console(tmp_path, "check", str(SEED), "--format", "json")
    assert done.returncode == 1, done.stderr  # the seed fails requirements: main()'s own code
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)  # the whole report reached the pipe
    assert {"R1", "R6", "R10"} <= {r["id"] for r in report["requirements"] if r["status"] == "fail"}
    assert marks == ["collector off", "exit handler ran"]


def test_a_compliant_template_exits_0(tmp_path):
    done, marks = console(tmp_path, "check", str(TEMPLATE), "--quiet")
    assert done.returncode == 0, done.stderr
    assert marks == ["collector off", "exit handler ran"]


def test_a_thread_still_running_is_waited_for(tmp_path):
    done, marks = console(tmp_path, "check", str(TEMPLATE), "--quiet", thread=True)
    assert done.returncode == 0, done.stderr
    # Python's own exit: the thread finishes first, then the exit handlers run
    assert marks == ["collector off", "thread finished", "exit handler ran"]


def test_other_commands_keep_the_collector(tmp_path):
    done, marks = console(tmp_path, "plan", str(TEMPLATE), str(TEMPLATE))
    assert done.returncode == 0, done.stderr
    assert marks == ["exit handler ran"]  # plan does not run the gate


def test_a_reader_that_leaves_early_changes_nothing(tmp_path):
    """`tapcheck check ... | head -c 100`: the reader goes (the SARIF report, ~150 KB, is more than a
    pipe holds); the command still ends with its own code."""
    marks = tmp_path / "marks"
    reader = subprocess.Popen(["head", "-c", "100"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(marks), "-", "check", str(SEED), "--format", "sarif"],
        cwd=ROOT,
        stdout=reader.stdin,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        check=False,
    )
    assert reader.stdin is not None
    reader.stdin.close()
    reader.wait(timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert marks.read_text().splitlines() == ["collector off", "exit handler ran"]
