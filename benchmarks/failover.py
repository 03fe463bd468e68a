"""Benchmark: the local failover drill, N times on one deployed stack.

    .venv/bin/python benchmarks/failover.py [--runs 5] [--template lib/TapStack.json]

Starts a private emulator and deploys the template once (neither counted), then runs
`tapcheck drill failover` N times (the writer moves back and forth), and prints per run
and as medians: the write-unavailability window (longest gap between two committed writes
through the writer endpoint), the time until writes resumed after FailoverDBCluster was
called, how long the API call took (the emulator answers once the standby is rebuilt), and
the rows lost. Exit 1 when a row is lost or any drill check fails.

The reference for the window is AWS's own figure for Aurora: service "typically restored
in less than 120 seconds, and often less than 60 seconds"
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html#Aurora.Managing.FaultTolerance);
the ratio printed is the local median against the drill's local bound.
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--template", default=str(ROOT / "lib" / "TapStack.json"))
    args = ap.parse_args(argv)

    from tapcheck.emulator import control
    from tapcheck.live import deploy, drill
    from tapcheck.live.target import resolve

    state = Path(tempfile.mkdtemp(prefix="tapcheck-bench-")) / "state.json"
    control.start(port=0, path=state, tie_to_caller=True)
    rows: list[dict[str, float]] = []
    failures = 0
    try:
        target = resolve("local", state=str(state))
        name = f"bench-fo-{uuid.uuid4().hex[:6]}"
        deploy.deploy(target, args.template, name, {"EnvironmentSuffix": f"b{uuid.uuid4().hex[:6]}"})
        try:
            for i in range(args.runs):
                out = io.StringIO()
                t = time.monotonic()
                result = drill.run_drill(target, name, out=out)
                elapsed = time.monotonic() - t
                text = out.getvalue()
                nan = float("nan")
                row = {"window": result.window_s, "resumed": nan if result.recovery_s is None else result.recovery_s,
                       "api": nan if result.api_s is None else result.api_s, "lost": float(len(result.lost)),
                       "committed": float(result.committed), "drill": elapsed}
                rows.append(row)
                if not result.ok:
                    failures += 1
                    print(text, file=sys.stderr)
                print(f"run {i + 1}: {result.old_writer} -> {result.new_writer}: window {row['window']:.3f} s, "
                      f"writes resumed {row['resumed']:.3f} s after the call, API {row['api']:.2f} s, "
                      f"{int(row['committed'])} rows committed, {int(row['lost'])} lost"
                      + ("" if result.ok else "  DRILL FAILED"))
        finally:
            deploy.destroy(target, name)
    finally:
        control.stop(state)
        state.parent.rmdir()
    med = {k: statistics.median(r[k] for r in rows) for k in ("window", "resumed", "api")}
    lost = int(sum(r["lost"] for r in rows))
    bound = drill.WRITER_RECOVERY_BOUND_S["local"]
    print(f"\nmedian over {len(rows)} drills: write-unavailability window {med['window']:.3f} s, writes resumed "
          f"{med['resumed']:.3f} s after FailoverDBCluster, API call {med['api']:.2f} s")
    print(f"rows lost: {lost} (must be 0); window / local bound ({bound:.0f} s): {med['window'] / bound:.3f}")
    return 0 if lost == 0 and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
