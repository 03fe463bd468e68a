"""Process entry point of the local emulator: moto's server on a loopback address, behind the API
guard (api_guard.py: the emulator's credentials only, no CORS), with the emulator's changes to moto
installed (moto_patches/), until SIGTERM/SIGINT; then every emulated cluster's PostgreSQL is
stopped and the private directory removed.

Run by `tapcheck emulator start` as a detached subprocess, the API credentials on standard input
(one JSON line, {"access_key_id": ..., "secret_access_key": ...}):
    python -m tapcheck.emulator.server --port N --root DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import sys
import threading
from pathlib import Path


def _read_credentials() -> tuple[str, str] | None:
    try:
        given = json.loads(sys.stdin.readline() or "null")
        return str(given["access_key_id"]), str(given["secret_access_key"])
    except (ValueError, TypeError, KeyError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tapcheck-emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", required=True, help="private directory, removed on exit")
    parser.add_argument(
        "--owner-pid",
        type=int,
        default=0,
        help="shut down (and clean up) when this process is gone, e.g. a killed test run",
    )
    args = parser.parse_args(argv)
    if not args.host.startswith("127."):
        print("tapcheck-emulator: refusing a non-loopback address", file=sys.stderr)
        return 2
    credentials = _read_credentials()
    if credentials is None:
        print(
            "tapcheck-emulator: no API credentials on standard input (start it with `tapcheck emulator start`)",
            file=sys.stderr,
        )
        return 2
    from tapcheck.emulator.pgcluster import mark_root
    from tapcheck.emulator.resources.clusters import ROOT_ENV

    root = Path(args.root)
    mark_root(root)
    os.environ[ROOT_ENV] = str(root)
    # AWS-managed IAM policies (e.g. AmazonRDSEnhancedMonitoringRole) exist on AWS.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # moto's server lets every browser origin read its answers (flask-cors); the guard drops those
    # headers too, so neither path can hand one out.
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from tapcheck.emulator import moto_patches
    from tapcheck.emulator.api_guard import ApiGuard
    from tapcheck.emulator.resources import clusters

    moto_patches.install()
    # Warm up the backends a deploy touches, so the first deploy does not pay for it.
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.iam.models import iam_backends

    iam_backends[DEFAULT_ACCOUNT_ID]["aws"].get_policy(
        "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
    )
    app = ApiGuard(DomainDispatcherApplication(create_backend_app), *credentials)
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
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
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    print(f"tapcheck-emulator: ready on http://{args.host}:{args.port}", flush=True)
    try:
        done.wait()
    finally:
        try:
            server.shutdown()
            serving.join()
        finally:
            clusters.shutdown()
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
