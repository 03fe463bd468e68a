"""Start and stop the local emulator as a detached background process.

A state file records the server's port, data directory and what identifies its process (pid,
start time, boot id, command line), so that `tapcheck emulator stop`, `deploy`, `smoke` and
`destroy` find it, and so that stop can clean up PostgreSQL and the data directory even when
the server process died. A process is signalled only when it is still the recorded one: a
stale state file naming a pid the kernel has given to another process kills nothing.

The default state file is per user and per project (~/.cache/tapcheck/emulator-<uid>-<hash of
the project root>.json), so two projects or two users never share an emulator by accident;
$TAPCHECK_EMULATOR_STATE or --emulator-state choose another.
"""

from __future__ import annotations

import errno
import hashlib
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
from typing import Any

from tapcheck.emulator import processes
from tapcheck.errors import UsageError

DEFAULT_PORT = 4566
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
STATE_FIX = "pass --emulator-state PATH (or set TAPCHECK_EMULATOR_STATE) to a writable file"


def project_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: cwd) holding .git or pyproject.toml,
    else `start` itself."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / ".git").exists() or (d / "pyproject.toml").is_file():
            return d
    return here


def default_state_path(cwd: Path | None = None) -> Path:
    key = hashlib.sha256(str(project_root(cwd)).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "tapcheck" / f"emulator-{os.geteuid()}-{key}.json"


def state_path(path: str | os.PathLike[str] | None = None) -> Path:
    if path:
        return Path(path)
    env = os.environ.get("TAPCHECK_EMULATOR_STATE")
    if env:
        return Path(env)
    return default_state_path()


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_state(path: str | os.PathLike[str] | None = None) -> dict | None:
    p = state_path(path)
    try:
        info = p.stat()
    except OSError:
        return None
    if info.st_uid != os.geteuid():
        raise UsageError(str(p), f"the emulator state file belongs to uid {info.st_uid}, not to you",
                         "use your own state file: " + STATE_FIX)
    try:
        st = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    return st if isinstance(st, dict) and "port" in st and "root" in st else None


def _url(port: int) -> str:
    return f"http://127.0.0.1:{int(port)}"  # built here, never read from the file: loopback only


def _responds(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + "/moto-api/", timeout=timeout) as r:  # loopback only
            return r.status < 500
    except Exception:  # noqa: BLE001
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ours(st: dict[str, Any]) -> bool:
    """Is the state's server process still running, and still the process we started?"""
    return processes.matches(st.get("process"))


def running(path: str | os.PathLike[str] | None = None) -> dict | None:
    """The state of a running, responsive emulator started by us, or None."""
    st = read_state(path)
    if st and _ours(st) and _responds(_url(st["port"])):
        return {**st, "url": _url(st["port"])}
    return None


def require_running(path: str | os.PathLike[str] | None = None) -> dict:
    """The running emulator's state, or a UsageError saying what is wrong and what to do."""
    sp = state_path(path)
    st = read_state(sp)
    if not st:
        raise UsageError("emulator", f"the local emulator is not running (no state in {sp})",
                         "run `tapcheck emulator start` (or pass --target aws)")
    if not _ours(st):
        raise UsageError("emulator", f"the local emulator recorded in {sp} is no longer running",
                         "run `tapcheck emulator stop` to clean up, then `tapcheck emulator start`")
    url = _url(st["port"])
    if not _responds(url):
        raise UsageError("emulator", f"the emulator at {url} (pid {st['process']['pid']}) is running but not answering",
                         "run `tapcheck emulator stop`, then `tapcheck emulator start`")
    return {**st, "url": url}


def _write_state(sp: Path, state: dict[str, Any]) -> None:
    """Write the state file atomically (a full disk leaves the old file or none, never half)."""
    sp.parent.mkdir(parents=True, exist_ok=True)
    tmp = sp.with_name(f".{sp.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w") as f:
            f.write(json.dumps(state))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, sp)
    finally:
        tmp.unlink(missing_ok=True)


def _check_state_path(sp: Path) -> None:
    """Prove the state file can be written before anything is started."""
    try:
        if sp.is_dir():
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        _write_state(sp.with_name(f".{sp.name}.probe"), {"probe": True})
        sp.with_name(f".{sp.name}.probe").unlink(missing_ok=True)
    except OSError as e:
        raise UsageError(str(sp), f"cannot write the emulator state file: {_why(e)}", STATE_FIX) from None


def _check_port(port: int | None) -> None:
    if port is not None and not 0 <= int(port) <= 65535:
        raise UsageError("--port", f"{port} is out of range (TCP ports are 1-65535)",
                         "pass --port between 1024 and 65535, or 0 for any free port")


# Room /dev/shm must have to hold the emulator's clusters (each about 60 MB, WAL included).
SHM_MIN_FREE_BYTES = 2 * 1024 ** 3


def _pick_port(port: int | None) -> int:
    if port is None:
        return DEFAULT_PORT
    return _free_port() if port == 0 else int(port)


def data_parent() -> str:
    """Where the emulator's data directory goes: the TMPDIR the user set, else /dev/shm when it is
    a writable memory file system with room (PostgreSQL's initdb, copies and base backups run
    several times faster there than on these machines' disks, and the data lives no longer than
    the emulator), else the temporary directory."""
    if os.environ.get("TMPDIR"):
        return tempfile.gettempdir()
    shm = "/dev/shm"
    try:
        st = os.statvfs(shm)
        if os.access(shm, os.W_OK | os.X_OK) and st.f_bavail * st.f_frsize >= SHM_MIN_FREE_BYTES:
            return shm
    except OSError:
        pass
    return tempfile.gettempdir()


def start(port: int | None = None, path: str | os.PathLike[str] | None = None,
          timeout: float = START_TIMEOUT_S, tie_to_caller: bool = False, network_boundary: bool = False) -> dict:
    """Start the emulator in the background and return its state once it answers.
    With `tie_to_caller` it also shuts itself down, cleaning up, when this process dies
    (used by the test suite and the benchmark so that a killed run leaves nothing).
    `network_boundary` (or TAPCHECK_NETWORK_BOUNDARY=1) puts each cluster's servers in a network
    namespace (netns.py); the state's "network_boundary" says whether it is on."""
    from tapcheck.emulator import netns
    from tapcheck.emulator.pgcluster import mark_root, pg_available

    sp = state_path(path)
    _check_port(port)
    st = read_state(sp)
    if st and _ours(st):
        url = _url(st["port"])
        if not _responds(url):
            raise UsageError("emulator", f"the emulator at {url} (pid {st['process']['pid']}) is running but not answering",
                             "run `tapcheck emulator stop`, then start it again")
        if port and int(st["port"]) != port:
            raise UsageError("emulator", f"already running on port {st['port']}",
                             "run `tapcheck emulator stop` first")
        return {**st, "url": url}
    if st:
        stop(sp)  # stale state from a crashed emulator: clean up what is provably ours
    _check_state_path(sp)
    problem = pg_available()
    if problem:
        raise UsageError("emulator", problem, "run scripts/bootstrap.sh as root")
    port = _pick_port(port)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            raise UsageError("emulator", f"cannot listen on 127.0.0.1:{port}: {_why(e)}",
                             "pass --port N (another free port, or 0 for any)") from None
    try:
        root = Path(tempfile.mkdtemp(prefix="tapcheck-emu-", dir=data_parent()))
        mark_root(root)
    except OSError as e:
        raise UsageError(tempfile.gettempdir(), f"cannot create the emulator's data directory: {_why(e)}",
                         "free disk space there or set TMPDIR to a writable directory") from None
    log = Path(tempfile.gettempdir()) / f"{root.name}.log"
    env = dict(os.environ)
    if network_boundary:
        env[netns.ENV] = "1"
    boundary = env.get(netns.ENV, "").strip().lower() in ("1", "true", "on", "yes") and netns.unavailable() is None
    env[netns.ENV] = "1" if boundary else "0"
    try:
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tapcheck.emulator.server", "--port", str(port), "--root", str(root),
                 *(["--owner-pid", str(os.getpid())] if tie_to_caller else [])],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                cwd="/", env=env,
            )
    except OSError as e:
        _remove_root(root, log)
        raise UsageError("emulator", f"cannot start the server: {_why(e)}", f"check {tempfile.gettempdir()}") from None
    # Popen returns after exec, so the command line read here is the server's own.
    state: dict[str, Any] = {"pid": proc.pid, "port": port, "url": _url(port), "root": str(root), "log": str(log),
             "started": time.time(), "network_boundary": boundary, "process": processes.identity(proc.pid, settle_s=2.0) or {"pid": proc.pid}}
    try:
        _write_state(sp, state)
    except OSError as e:
        _abort(proc, root, log)
        raise UsageError(str(sp), f"cannot write the emulator state file: {_why(e)}; "
                         "the server was stopped again", STATE_FIX) from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text()[-800:].strip().splitlines() if log.exists() else []
            stop(sp)
            raise UsageError("emulator", "server exited during start-up: " + (tail[-1] if tail else "no output"),
                             f"see {log}")
        if _responds(state["url"]):
            return state
        time.sleep(0.1)
    stop(sp)
    raise UsageError("emulator", f"not ready after {timeout:.0f} s", f"see {log}")


def _abort(proc: subprocess.Popen, root: Path, log: Path) -> None:
    """Stop a server this process just started (our child: its pid cannot be reused before
    we reap it) and remove what it made."""
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    _remove_root(root, log)


def _remove_root(root: Path, log: Path | None = None) -> list[str]:
    from tapcheck.emulator.pgcluster import cleanup_root

    done = cleanup_root(root)
    if log is not None:
        log.unlink(missing_ok=True)
    return done


def stop(path: str | os.PathLike[str] | None = None, timeout: float = STOP_TIMEOUT_S) -> list[str]:
    """Stop the emulator: its process (if it is still the one we started), its PostgreSQL
    servers, its data directory, its log and the state file. Returns what it did."""
    sp = state_path(path)
    st = read_state(sp)
    if not st:
        if sp.exists():
            sp.unlink(missing_ok=True)
            return [f"removed unreadable state file {sp}"]
        return []
    done: list[str] = []
    recorded = st.get("process") or {}
    pid = int(recorded.get("pid") or st.get("pid") or 0)
    if _ours(st):
        processes.signal_recorded(recorded, signal.SIGTERM)
        if processes.wait_gone(pid, timeout, recorded.get("start_ticks")):
            done.append(f"stopped emulator process {pid}")
        elif processes.signal_recorded(recorded, signal.SIGKILL):
            processes.wait_gone(pid, 5.0, recorded.get("start_ticks"))
            done.append(f"killed emulator process {pid}")
    elif pid and processes.alive(pid):
        done.append(f"pid {pid} is no longer the emulator: left it alone")
    root = Path(st["root"])
    done += _remove_root(root)
    log = Path(str(st.get("log", "")))
    if log == Path(tempfile.gettempdir()) / f"{root.name}.log" or log == Path(f"{root}.log"):
        log.unlink(missing_ok=True)  # only the log start() names after the root, nothing else
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
        cmd = processes.cmdline(int(entry))
        if not cmd:
            continue
        text = " ".join(cmd)
        if root in text and processes.alive(int(entry)) and "tapcheck.emulator.server" not in text:
            pids.append(int(entry))
    return pids
