"""Benchmark: smoke through the in-VPC runner against smoke direct, on the local target, same run.

    .venv/bin/python benchmarks/runner_vs_direct.py [--runs 3] [--template lib/TapStack.json]

Starts two private emulators: one with the network boundary (root only), where `smoke --target aws`
(through AWS_ENDPOINT_URL) runs the data-plane probes in the emulated Lambda function, and one
without, where smoke probes from here. Deploys the template on each, then times the whole smoke
N times on each and prints the medians and their ratio. Exit 1 when a smoke does not pass with
0 skipped. On AWS the runner costs more: creating a VPC function waits for its network interface
(README, "On AWS"), which this local figure does not include.
"""

from __future__ import annotations

import argparse
import os
import shutil
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
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--template", default=str(ROOT / "lib" / "TapStack.json"))
    args = ap.parse_args(argv)

    from tapcheck.emulator import control, netns
    from tapcheck.live import deploy
    from tapcheck.live.smoke import run_smoke
    from tapcheck.live.target import Target, resolve

    if netns.unavailable():
        print(f"runner_vs_direct: {netns.unavailable()}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="tapcheck-bench-"))
    states = {"runner": work / "runner.json", "direct": work / "direct.json"}
    times: dict[str, list[float]] = {"runner": [], "direct": []}
    try:
        emus = {k: control.start(port=0, path=p, tie_to_caller=True, network_boundary=(k == "runner"))
                for k, p in states.items()}
        name = f"bench-rvd-{uuid.uuid4().hex[:6]}"
        targets = {k: resolve("local", state=str(p)) for k, p in states.items()}
        for k, tgt in targets.items():
            deploy.deploy(tgt, args.template, name, {"EnvironmentSuffix": "rvd" + uuid.uuid4().hex[:6]})
        group = targets["runner"].client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["Parameters"]
        sg = next(p["ParameterValue"] for p in group if p["ParameterKey"] == "VpcSecurityGroupId")
        targets["runner"].client("ec2").authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": sg}]}])
        os.environ.update(control.environment(states["runner"]))
        aws = Target("aws", "us-east-1")
        for _ in range(args.runs):
            for k in ("runner", "direct"):
                t0 = time.monotonic()
                report = run_smoke(aws, name, runner=True) if k == "runner" else run_smoke(targets["direct"], name)
                times[k].append(time.monotonic() - t0)
                if report.exit_code != 0 or " 0 skipped" not in report.summary:
                    print(f"runner_vs_direct: {k}: {report.summary}", file=sys.stderr)
                    return 1
    finally:
        for p in states.values():
            control.stop(p)
        shutil.rmtree(work, ignore_errors=True)
    runner, direct = statistics.median(times["runner"]), statistics.median(times["direct"])
    print(f"smoke through the runner: median {runner:.2f} s; direct: median {direct:.2f} s; "
          f"ratio {runner / direct:.2f}x ({args.runs} runs each, same run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
