"""Run `tapcheck` in the test's own process: what the command prints and returns, without paying
Python's and cfn-lint's start-up for every call (about a second each on two cores).

Use it wherever the process boundary is not what a test is about. A test of exit codes seen by a
shell, a closed pipe, a signal, a fresh interpreter or an installed package starts a real process
instead (test_cli_conventions.py, test_installed_package.py, test_fuzz_front_door.py).
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

from tapcheck.cli import main

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Run:
    """The fields of subprocess.CompletedProcess the tests read."""

    returncode: int
    stdout: str
    stderr: str


def tapcheck(*args: str, cwd: Path = ROOT, env: dict | None = None) -> Run:
    """`tapcheck ARGS` run from `cwd` with `env` added to the environment, as main() sees it."""
    out, err = io.StringIO(), io.StringIO()
    saved_cwd, saved_env = os.getcwd(), dict(os.environ)
    try:
        os.chdir(cwd)
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as stop:  # argparse's own usage errors exit 2
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    return Run(code, out.getvalue(), err.getvalue())
