#!/usr/bin/env python3
"""How much longer a user waits for `tapcheck check` than for plain `cfn-lint`, on the same input.

Three cases, each timed alternately (these machines are noisy, so each pair shares the same
conditions), printing each side's median wall and CPU time and the median of the per-pair ratios:

- single: one template (default lib/TapStack.json). Target (issue 10): at most 1.15x; ~0.72x seen.
- batch:  N copies of that template in a directory (`tapcheck check DIR` against
          `cfn-lint DIR/*.json`, which lints them one after another in one process). Target
          (issue 24): at most 1.0x on an idle 2-core machine.
- large:  benchmarks/data/aurora-fast-failover-demo.yml, a 477 KB public Aurora template
          (benchmarks/data/README.md). Target (issue 24): at most 1.0x.

The load average is printed before and after: on a shared machine it says what the ratios are worth.

    .venv/bin/python benchmarks/gate_vs_cfn_lint.py [--runs 15] [--case single|batch|large|all]
                                                    [--copies 20] [TEMPLATE]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LARGE = ROOT / "benchmarks" / "data" / "aurora-fast-failover-demo.yml"
GATE_OK = (0, 1)
LINT_OK = (0, 2, 4, 6, 8, 10, 12, 14)          # cfn-lint's exit code is a bit mask of what it found


# A pre-commit user's Python keeps .pyc files; with PYTHONDONTWRITEBYTECODE set (as in some CI
# shells) tapcheck's own modules would be compiled on every run while cfn-lint's, compiled by
# pip at install time, would not: the comparison would be unfair.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(command: list[str], ok_codes: tuple[int, ...]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its children)."""
    before = os.times()
    start = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = os.times()
    if run.returncode not in ok_codes:
        sys.exit(f"{' '.join(command)} exited {run.returncode}: {run.stderr.decode()[:300]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return elapsed, cpu


def compare(name: str, gate: list[str], lint: list[str], runs: int, target: float) -> float:
    timed(gate, GATE_OK), timed(lint, LINT_OK)          # warm the file cache and .pyc files
    gate_runs, lint_runs, ratios = [], [], []
    for _ in range(runs):
        g = timed(gate, GATE_OK)
        c = timed(lint, LINT_OK)
        gate_runs.append(g)
        lint_runs.append(c)
        ratios.append(g[0] / c[0])
    median = statistics.median(ratios)
    print(f"{name}:")
    print(f"  tapcheck check:    median {statistics.median(w for w, _ in gate_runs):.3f} s wall, "
          f"{statistics.median(c for _, c in gate_runs):.3f} s CPU")
    print(f"  cfn-lint:          median {statistics.median(w for w, _ in lint_runs):.3f} s wall, "
          f"{statistics.median(c for _, c in lint_runs):.3f} s CPU")
    print(f"  ratio (gate/lint): median {median:.2f}x  (min {min(ratios):.2f}x, max {max(ratios):.2f}x; "
          f"{runs} alternating pairs; target <= {target:.2f}x)")
    return median


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", default="lib/TapStack.json")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--case", choices=("single", "batch", "large", "all"), default="all")
    parser.add_argument("--copies", type=int, default=20, help="templates in the batch case")
    args = parser.parse_args()
    tapcheck, cfn_lint = str(BIN / "tapcheck"), str(BIN / "cfn-lint")
    print(f"cores: {len(os.sched_getaffinity(0))}; load average before: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.case in ("single", "all"):
        compare(f"single: {args.template}", [tapcheck, "check", args.template], [cfn_lint, args.template],
                args.runs, 1.15)
    if args.case in ("batch", "all"):
        with tempfile.TemporaryDirectory(prefix="tapcheck-bench-") as scratch:
            copies = []
            for index in range(args.copies):
                copy = Path(scratch) / f"stack{index:02d}.json"
                shutil.copyfile(ROOT / args.template, copy)
                copies.append(str(copy))
            compare(f"batch: {args.copies} copies of {args.template} in a directory",
                    [tapcheck, "check", scratch], [cfn_lint, *copies], max(3, args.runs // 3), 1.0)
    if args.case in ("large", "all"):
        compare(f"large: {LARGE.relative_to(ROOT)} ({LARGE.stat().st_size // 1000} KB)",
                [tapcheck, "check", str(LARGE)], [cfn_lint, str(LARGE)], args.runs, 1.0)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
