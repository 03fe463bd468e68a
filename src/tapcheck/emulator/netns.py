"""The emulator's network boundary: one Linux network namespace per emulated cluster.

With the boundary on, a cluster's PostgreSQL servers run inside a namespace made for that cluster
(`ip netns add tapcheck-<id>`, loopback up), listening on the cluster's 127.0.x.y addresses there.
The host's loopback is another network stack, so nothing on the host reaches them by TCP — as a CI
runner outside the VPC cannot reach a private Aurora endpoint. The emulator's own administration
goes through the servers' unix sockets, which are files and cross the boundary. Code that must
reach the endpoints by TCP (the emulated Lambda function, lambda_runner.py) runs inside it.

Opt-in (`tapcheck emulator start --network-boundary` or TAPCHECK_NETWORK_BOUNDARY=1): it needs
root and `ip netns`. Direct mode (no boundary) stays the default: every other integration test
connects to the endpoints from the host, it works for non-root users, and it costs no namespace
per cluster.

No moto import here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

ENV = "TAPCHECK_NETWORK_BOUNDARY"
PREFIX = "tapcheck-"
_NAME = re.compile(r"tapcheck-[0-9a-f]{12}")


def requested() -> bool:
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "on", "yes")


def unavailable() -> str | None:
    """None when namespaces can be made here, else why not (one line)."""
    if os.geteuid() != 0:
        return "the network boundary needs root (Linux network namespaces); it is off"
    if not shutil.which("ip"):
        return "the network boundary needs `ip` (iproute2) for network namespaces; it is off"
    return None


def enabled() -> bool:
    return requested() and unavailable() is None


def name_for(uid: str) -> str:
    return PREFIX + uid[:12]


def _ip(*args: str) -> None:
    proc = subprocess.run(
        ["ip", *args], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} failed: {(proc.stderr or proc.stdout).strip()}")


def create(name: str) -> None:
    """A namespace with its loopback up (127.0.0.0/8 routed to lo, so any 127.x address binds)."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"refusing namespace name {name!r}")
    _ip("netns", "add", name)
    try:
        _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
    except RuntimeError:
        delete(name)
        raise


def delete(name: str) -> bool:
    """Remove one of our namespaces; True when it existed. Processes still inside keep their own
    reference to it (the servers are stopped first by the callers)."""
    if not _NAME.fullmatch(name) or name not in existing():
        return False
    _ip("netns", "delete", name)
    return True


def existing() -> list[str]:
    """Our namespaces (tapcheck-<12 hex>) that exist now."""
    try:
        names = os.listdir("/run/netns")
    except OSError:
        return []
    return sorted(n for n in names if _NAME.fullmatch(n))


def inside(name: str | None, cmd: list[str]) -> list[str]:
    """`cmd` run inside namespace `name` (unchanged when there is no boundary)."""
    return ["ip", "netns", "exec", name, *cmd] if name else cmd
