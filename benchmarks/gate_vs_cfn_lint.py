#!/usr/bin/env python3
"""How much longer a pre-commit user waits for `tapcheck check` than for plain `cfn-lint`.

Runs both commands alternately on the same template (these machines are noisy, so each
pair shares the same conditions) and prints each one's median wall time and the median of
the per-pair ratios. Target (issue 10): at most 1.15x (cfn-lint runs inside the gate).

    .venv/bin/python benchmarks/gate_vs_cfn_lint.py [--runs 15] [TEMPLATE]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


# A pre-commit user's Python keeps .pyc files; with PYTHONDONTWRITEBYTECODE set (as in some CI
# shells) tapcheck's own modules would be compiled on every run while cfn-lint's, compiled by
# pip at install time, would not: the comparison would be unfair.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], ok_codes: tuple[int, ...]) -> float:
    start = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if run.returncode not in ok_codes:
        sys.exit(f"{' '.join(command)} exited {run.returncode}: {run.stderr.decode()[:300]}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", default="lib/TapStack.json")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    gate = [str(BIN / "tapcheck"), "check", args.template]
    lint = [str(BIN / "cfn-lint"), args.template]
    timed(gate, (0, 1)), timed(lint, (0, 2, 4, 6, 8))          # warm the file cache and .pyc files
    gate_times, lint_times, ratios = [], [], []
    for _ in range(args.runs):
        g = timed(gate, (0, 1))
        c = timed(lint, (0, 2, 4, 6, 8))
        gate_times.append(g)
        lint_times.append(c)
        ratios.append(g / c)
    print(f"template:          {args.template} ({args.runs} alternating pairs)")
    print(f"tapcheck check:    median {statistics.median(gate_times):.3f} s")
    print(f"cfn-lint:          median {statistics.median(lint_times):.3f} s")
    print(f"ratio (gate/lint): median {statistics.median(ratios):.2f}x  "
          f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x; required <= 1.15x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
