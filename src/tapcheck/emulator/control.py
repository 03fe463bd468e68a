"""Start and stop the local emulator as a detached background process.

A state file (default ~/.cache/tapcheck/emulator.json, or $TAPCHECK_EMULATOR_STATE)
records the server's pid, port and data directory, so that `tapcheck emulator stop`,
`deploy`, `smoke` and `destroy` find it, and so that stop can clean up PostgreSQL and
the data directory even when the server process died.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tapcheck.errors import UsageError

DEFAULT_PORT = 4566
START_TIMEOUT_S = 60.0


def state_path(path: str | os.PathLike[str] | None = None) -> Path:
    if path:
        return Path(path)
    env = os.environ.get("TAPCHECK_EMULATOR_STATE")
    if env:
        return Path(env)
    return Path.home() / ".cache" / "tapcheck" / "emulator.json"


def read_state(path: str | os.PathLike[str] | None = None) -> dict | None:
    p = state_path(path)
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours is not alive.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _responds(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=2) as r:  # loopback only
            return r.status < 500
    except Exception:  # noqa: BLE001
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def running(path: str | os.PathLike[str] | None = None) -> dict | None:
    """The state of a running, responsive emulator, or None."""
    st = read_state(path)
    if st and _alive(int(st["pid"])) and _responds(st["url"]):
        return st
    return None


def start(port: int | None = None, path: str | os.PathLike[str] | None = None,
          timeout: float = START_TIMEOUT_S, tie_to_caller: bool = False) -> dict:
    """Start the emulator in the background and return its state once it answers.
    With `tie_to_caller` it also shuts itself down, cleaning up, when this process dies
    (used by the test suite and the benchmark so that a killed run leaves nothing)."""
    from tapcheck.emulator.pgcluster import pg_available

    sp = state_path(path)
    existing = running(sp)
    if existing:
        if port and int(existing["port"]) != port:
            raise UsageError("emulator", f"already running on port {existing['port']}",
                             "run `tapcheck emulator stop` first")
        return existing
    if read_state(sp):
        stop(sp)  # stale state from a crashed emulator: clean it up first
    problem = pg_available()
    if problem:
        raise UsageError("emulator", problem, "run scripts/bootstrap.sh as root")
    port = DEFAULT_PORT if port is None else port
    if port == 0:
        port = _free_port()
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise UsageError("emulator", f"port {port} on 127.0.0.1 is in use", "pass --port N") from None
    root = Path(tempfile.mkdtemp(prefix="tapcheck-emu-"))
    log = Path(tempfile.gettempdir()) / f"{root.name}.log"
    sp.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tapcheck.emulator.server", "--port", str(port), "--root", str(root),
             *(["--owner-pid", str(os.getpid())] if tie_to_caller else [])],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            cwd="/",
        )
    url = f"http://127.0.0.1:{port}"
    state = {"pid": proc.pid, "port": port, "url": url, "root": str(root), "log": str(log),
             "started": time.time()}
    sp.write_text(json.dumps(state))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text()[-800:].strip().splitlines()
            stop(sp)
            raise UsageError("emulator", "server exited during start-up: " + (tail[-1] if tail else "no output"),
                             f"see {log}")
        if _responds(url):
            return state
        time.sleep(0.1)
    stop(sp)
    raise UsageError("emulator", f"not ready after {timeout:.0f} s", f"see {log}")


def stop(path: str | os.PathLike[str] | None = None, timeout: float = 30.0) -> list[str]:
    """Stop the emulator: its PostgreSQL servers, its data directory, its process."""
    from tapcheck.emulator.pgcluster import cleanup_root

    sp = state_path(path)
    st = read_state(sp)
    if not st:
        return []
    done: list[str] = []
    pid = int(st["pid"])
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
            done.append(f"killed emulator process {pid}")
        else:
            done.append(f"stopped emulator process {pid}")
        _reap(pid)
    done += cleanup_root(Path(st["root"]))
    try:
        Path(st.get("log", "")).unlink()
    except OSError:
        pass
    sp.unlink(missing_ok=True)
    return done


def processes_under(root: str | os.PathLike[str]) -> list[int]:
    """PIDs of live processes whose command line mentions `root` (postgres -D ROOT/...),
    other than the emulator server itself."""
    root = str(root)
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().split(")")[-1].split()[0]
        except OSError:
            continue
        if root in cmd and state != "Z" and "tapcheck.emulator.server" not in cmd:
            pids.append(int(entry))
    return pids


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
