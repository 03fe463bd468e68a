"""Signal only the processes tapcheck can prove it started.

The emulator runs as root on shared machines, so a pid alone proves nothing: a stale state
file or a leftover postmaster.pid may name a pid the kernel has since given to an unrelated
process. Before every signal the process is identified by what a reused pid cannot repeat:
its start time (field 22 of /proc/<pid>/stat, clock ticks since boot, with the boot id) and
its command line; a PostgreSQL postmaster additionally by its working directory (the
postmaster runs in its data directory) and by the start time it wrote into postmaster.pid.
The signal is sent through a pidfd opened before the check, so it cannot reach a process that
took the pid between the check and the signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: split after its closing parenthesis
    return text[text.rindex(")") + 2 :].split()


def start_ticks(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return int(fields[19]) if fields and len(fields) > 19 else None  # field 22 overall


def is_zombie(pid: int) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and bool(fields) and fields[0] in ("Z", "X")


def cmdline(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part] or None


def identity(pid: int, settle_s: float = 0.0) -> dict[str, Any] | None:
    """What identifies a live process beyond its pid, or None when there is none. A process
    caught in the middle of exec shows an empty command line for a moment: `settle_s` waits
    that long for it."""
    deadline = time.monotonic() + settle_s
    while True:
        ticks, cmd = start_ticks(pid), cmdline(pid)
        if ticks is not None and cmd is not None and not is_zombie(pid):
            return {"pid": pid, "start_ticks": ticks, "boot_id": _boot_id(), "cmdline": cmd}
        if time.monotonic() >= deadline or ticks is None:
            return None
        time.sleep(0.005)


def matches(recorded: dict[str, Any] | None) -> bool:
    """Is the process `recorded` by identity() still the one running under its pid?"""
    if not recorded or "pid" not in recorded:
        return False
    now = identity(int(recorded["pid"]))
    return now is not None and all(now[k] == recorded.get(k) for k in ("start_ticks", "boot_id", "cmdline"))


@contextlib.contextmanager
def _pidfd(pid: int) -> Iterator[int | None]:
    fd = None
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    try:
        yield fd
    finally:
        if fd is not None:
            os.close(fd)


def signal_if(pid: int, sig: int, proven: Any) -> bool:
    """Send `sig` to `pid` only if `proven(pid)` holds, checked after a pidfd pins the process.
    Returns whether the signal was sent."""
    with _pidfd(pid) as fd:
        if not proven(pid):
            return False
        try:
            if fd is not None:
                signal.pidfd_send_signal(fd, sig)
            else:
                os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            return False
    return True


def signal_recorded(recorded: dict[str, Any], sig: int) -> bool:
    """Signal the process recorded by identity() if, and only if, it is still that process."""
    return signal_if(int(recorded["pid"]), sig, lambda pid: matches(recorded))


def alive(pid: int) -> bool:
    """A running (not zombie) process with this pid exists."""
    return _stat_fields(pid) is not None and not is_zombie(pid)


def wait_gone(pid: int, timeout: float, ticks: int | None = None) -> bool:
    """Wait until the process is gone (or the pid is another process's); True when gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        if not alive(pid) or (ticks is not None and start_ticks(pid) != ticks):
            return True
        time.sleep(0.02)
    return not alive(pid)


# --- PostgreSQL postmasters --------------------------------------------------------------
def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        return None
    return None


def started_at(pid: int) -> float | None:
    """The process's start time, seconds since the epoch."""
    ticks, boot = start_ticks(pid), _boot_time()
    if ticks is None or boot is None:
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def read_postmaster_pid(data: Path) -> dict[str, Any] | None:
    """postmaster.pid's pid, data directory and start time (its first three lines, see
    https://www.postgresql.org/docs/15/storage-file-layout.html), or None if unreadable."""
    try:
        lines = (data / "postmaster.pid").read_text().splitlines()
        return {"pid": int(lines[0]), "data": lines[1], "started": float(lines[2])}
    except (OSError, ValueError, IndexError):
        return None


def is_postmaster_of(pid: int, data: Path, started: float | None = None, slack_s: float = 2.0) -> bool:
    """Is `pid` a PostgreSQL postmaster serving the data directory `data` (and, when given,
    started at `started` as its postmaster.pid says)?"""
    cmd = cmdline(pid)
    if not cmd or os.path.basename(cmd[0]) not in ("postgres", "postmaster") or is_zombie(pid):
        return False
    try:
        cwd = os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return False
    if os.path.realpath(cwd) != os.path.realpath(data):
        return False
    if started is not None:
        began = started_at(pid)
        if began is None or abs(began - started) > slack_s:
            return False
    return True


def live_postmaster(data: Path) -> int | None:
    """The pid of the postmaster that owns `data` according to its postmaster.pid, proven by
    its command line, working directory and start time; None when there is none (no file, or
    a stale file naming a dead or unrelated process)."""
    info = read_postmaster_pid(data)
    if info is None or os.path.realpath(info["data"]) != os.path.realpath(data):
        return None
    pid = info["pid"]
    return pid if is_postmaster_of(pid, data, info["started"]) else None


def signal_postmaster(data: Path, sig: int) -> bool:
    """Signal the postmaster of `data` if its postmaster.pid is proven to name it."""
    info = read_postmaster_pid(data)
    if info is None:
        return False
    return signal_if(info["pid"], sig, lambda pid: live_postmaster(data) == pid)
