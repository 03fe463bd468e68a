"""Process entry point of the local emulator: moto's server on a loopback address with
this project's CloudFormation models installed, until SIGTERM/SIGINT; then every
emulated cluster's PostgreSQL is stopped and the data directory removed.

Run by `tapcheck emulator start` as a detached subprocess:
    python -m tapcheck.emulator.server --port N --root DIR
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import sys
import threading
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tapcheck-emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True, help="data directory, removed on exit")
    parser.add_argument("--owner-pid", type=int, default=0,
                        help="shut down (and clean up) when this process is gone, e.g. a killed test run")
    args = parser.parse_args(argv)
    if not args.host.startswith("127."):
        print("tapcheck-emulator: refusing a non-loopback address", file=sys.stderr)
        return 2
    from tapcheck.emulator.pgcluster import mark_root

    root = Path(args.root)
    mark_root(root)
    os.environ["TAPCHECK_EMULATOR_ROOT"] = str(root)
    # AWS-managed IAM policies (e.g. AmazonRDSEnhancedMonitoringRole) exist on AWS.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto.server import ThreadedMotoServer

    from tapcheck.emulator import moto_patches
    from tapcheck.emulator.resources import clusters

    moto_patches.install()
    # Warm up the backends a deploy touches, so the first deploy does not pay for it.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    iam_backends[DEFAULT_ACCOUNT_ID]["aws"].get_policy(
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    done = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if args.owner_pid:
        def watch_owner() -> None:
            while not done.wait(0.5):
                try:
                    os.kill(args.owner_pid, 0)
                except ProcessLookupError:
                    done.set()
                except PermissionError:
                    pass

        threading.Thread(target=watch_owner, daemon=True).start()
    server.start()
    print(f"tapcheck-emulator: ready on http://{args.host}:{args.port}", flush=True)
    try:
        done.wait()
    finally:
        try:
            server.stop()
        finally:
            clusters.shutdown()
            shutil.rmtree(root, ignore_errors=True)
            Path(f"{root}.log").unlink(missing_ok=True)  # written by control.start
    return 0


if __name__ == "__main__":
    sys.exit(main())
