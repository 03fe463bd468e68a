"""Benchmark: the local deploy -> smoke -> destroy cycle of a template, N times.

    .venv/bin/python benchmarks/deploy_cycle.py [--runs 5] [--template lib/TapStack.json]

Starts a private emulator (not counted in the cycle, reported once), then per run
deploys the template, runs every probe (`tapcheck smoke`), destroys the stack, and
prints the median wall time of the cycle and of each part. Budget: 15 s per cycle on a
2-core machine (issue 7). Exit 1 when the median is over budget or a probe fails.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

BUDGET_S = 15.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--template", default=str(ROOT / "lib" / "TapStack.json"))
    args = ap.parse_args(argv)

    from tapcheck.emulator import control
    from tapcheck.live import deploy
    from tapcheck.live.smoke import smoke
    from tapcheck.live.target import resolve

    state = Path(tempfile.mkdtemp(prefix="tapcheck-bench-")) / "state.json"
    t0 = time.monotonic()
    control.start(port=0, path=state, tie_to_caller=True)
    started_s = time.monotonic() - t0
    rows: list[dict[str, float]] = []
    failures = 0
    try:
        target = resolve("local", state=str(state))
        for i in range(args.runs):
            name = f"bench-{uuid.uuid4().hex[:6]}"
            t = time.monotonic()
            deploy.deploy(target, args.template, name, {"EnvironmentSuffix": f"b{uuid.uuid4().hex[:6]}"})
            t_deploy = time.monotonic()
            out = io.StringIO()
            rc = smoke(target, name, out=out)
            t_smoke = time.monotonic()
            deploy.destroy(target, name)
            t_destroy = time.monotonic()
            if rc != 0:
                failures += 1
                print(out.getvalue(), file=sys.stderr)
            row = {"deploy": t_deploy - t, "smoke": t_smoke - t_deploy, "destroy": t_destroy - t_smoke,
                   "cycle": t_destroy - t}
            rows.append(row)
            print(f"run {i + 1}: " + "  ".join(f"{k} {v:5.2f} s" for k, v in row.items()) + f"  smoke rc={rc}")
    finally:
        t = time.monotonic()
        control.stop(state)
        stop_s = time.monotonic() - t
        state.parent.rmdir()
    med = {k: statistics.median(r[k] for r in rows) for k in ("deploy", "smoke", "destroy", "cycle")}
    print(f"\nmedian over {len(rows)} runs: cycle {med['cycle']:.2f} s = deploy {med['deploy']:.2f} s"
          f" + smoke {med['smoke']:.2f} s + destroy {med['destroy']:.2f} s")
    print(f"emulator start {started_s:.2f} s, stop {stop_s:.2f} s (once, not in the cycle)")
    print(f"budget {BUDGET_S:.0f} s: {'OK' if med['cycle'] <= BUDGET_S else 'OVER'}")
    return 0 if med["cycle"] <= BUDGET_S and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
