"""Start and stop the local emulator as a detached background process.

A state file records the server's port, data directory and what identifies its process (pid,
start time, boot id, command line), so that `tapcheck emulator stop`, `deploy`, `smoke` and
`destroy` find it, and so that stop can clean up PostgreSQL and the data directory even when
the server process died. A process is signalled only when it is still the recorded one: a
stale state file naming a pid the kernel has given to another process kills nothing.

The default state file is per user and per project (~/.cache/tapcheck/emulator-<uid>-<hash of
the project root>.json), so two projects or two users never share an emulator by accident;
$TAPCHECK_EMULATOR_STATE or --emulator-state choose another.

The emulator is no open door on a shared machine:
- its API answers only requests signed with the access key it generates at start (api_guard.py);
  the key and its secret are written into the state file alone (0600, created without following a
  link) and handed to the server on its standard input. `credentials()` and `environment()` read
  them back for tapcheck's own clients; `tapcheck emulator env` prints them as export lines;
- everything the server writes (its log, the clusters' data, the Lambda runner's unpacked code)
  lives in one private directory made afresh (mkdtemp: 0700, a generated name), the log created
  there with O_CREAT|O_EXCL|O_NOFOLLOW, 0600.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
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
REGION = "us-east-1"
LOG_NAME = "server.log"
# AWS access key ids: 20 upper-case letters and digits; the generated one starts as a long-term key's.
_KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
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
        raise UsageError(
            str(p),
            f"the emulator state file belongs to uid {info.st_uid}, not to you",
            "use your own state file: " + STATE_FIX,
        )
    try:
        st = json.loads(p.read_text())
    except (OSError, ValueError):
        return None
    return st if isinstance(st, dict) and "port" in st and "root" in st else None


def _url(port: int) -> str:
    return f"http://127.0.0.1:{int(port)}"  # built here, never read from the file: loopback only


def new_credentials() -> dict[str, str]:
    """A fresh access key id and secret, for one emulator's life."""
    key = "AKIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    return {"access_key_id": key, "secret_access_key": secrets.token_urlsafe(30)}


def _signed_get(url: str, creds: dict[str, str] | None) -> urllib.request.Request:
    """GET `url`, signed (SigV4) with the emulator's credentials when the state has them."""
    request = urllib.request.Request(url)
    if creds:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        aws = AWSRequest(method="GET", url=url)
        SigV4Auth(Credentials(creds["access_key_id"], creds["secret_access_key"]), "moto", REGION).add_auth(aws)
        for name, value in aws.headers.items():
            request.add_header(name, value)
    return request


def _responds(url: str, creds: dict[str, str] | None = None, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(_signed_get(url + "/moto-api/", creds), timeout=timeout) as r:  # loopback only
            return bool(r.status < 500)
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
    if st and _ours(st) and _responds(_url(st["port"]), st.get("credentials")):
        return {**st, "url": _url(st["port"])}
    return None


def require_running(path: str | os.PathLike[str] | None = None) -> dict:
    """The running emulator's state, or a UsageError saying what is wrong and what to do."""
    sp = state_path(path)
    st = read_state(sp)
    if not st:
        raise UsageError(
            "emulator",
            f"the local emulator is not running (no state in {sp})",
            "run `tapcheck emulator start` (or pass --target aws)",
        )
    if not _ours(st):
        raise UsageError(
            "emulator",
            f"the local emulator recorded in {sp} is no longer running",
            "run `tapcheck emulator stop` to clean up, then `tapcheck emulator start`",
        )
    url = _url(st["port"])
    if not _responds(url, st.get("credentials")):
        raise UsageError(
            "emulator",
            f"the emulator at {url} (pid {st['process']['pid']}) is running but not answering",
            "run `tapcheck emulator stop`, then `tapcheck emulator start`",
        )
    if not st.get("credentials"):
        raise UsageError(
            "emulator",
            f"the emulator recorded in {sp} predates API credentials",
            "run `tapcheck emulator stop`, then `tapcheck emulator start`",
        )
    return {**st, "url": url}


def client_credentials(st: dict[str, Any]) -> dict[str, str]:
    """An emulator state's API credentials, as boto3 takes them (aws_access_key_id, aws_secret_access_key)."""
    creds = st["credentials"]
    return {"aws_access_key_id": creds["access_key_id"], "aws_secret_access_key": creds["secret_access_key"]}


def credentials(path: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The running emulator's API credentials, as boto3 takes them."""
    return client_credentials(require_running(path))


def environment(path: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The environment that points an AWS SDK or CLI at the running emulator."""
    st = require_running(path)
    return {
        "AWS_ENDPOINT_URL": st["url"],
        "AWS_ACCESS_KEY_ID": st["credentials"]["access_key_id"],
        "AWS_SECRET_ACCESS_KEY": st["credentials"]["secret_access_key"],
        "AWS_DEFAULT_REGION": REGION,
    }


def create_private_file(path: Path) -> int:
    """A new file only this user can read, never through a link planted at `path` (O_EXCL refuses
    any existing name, a symbolic link included; O_NOFOLLOW refuses a link as the last component).
    Returns the open descriptor (write only)."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def _write_state(sp: Path, state: dict[str, Any]) -> None:
    """Write the state file atomically (a full disk leaves the old file or none, never half), 0600:
    it holds the emulator's API credentials. A new directory for it is the user's alone (0700)."""
    sp.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = sp.with_name(f".{sp.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with os.fdopen(create_private_file(tmp), "w") as f:
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
        raise UsageError(
            "--port",
            f"{port} is out of range (TCP ports are 1-65535)",
            "pass --port between 1024 and 65535, or 0 for any free port",
        )


# Room /dev/shm must have to hold the emulator's clusters (each about 60 MB, WAL included).
SHM_MIN_FREE_BYTES = 2 * 1024**3


def _pick_port(port: int | None) -> int:
    if port is None:
        return DEFAULT_PORT
    return _free_port() if port == 0 else int(port)


def port_bindable(port: int) -> OSError | None:
    """None when the server can listen on 127.0.0.1:port, else why not. SO_REUSEADDR as the server's
    own socket has it (werkzeug's HTTPServer sets allow_reuse_address): a port whose last server
    stopped seconds ago keeps connections in TIME_WAIT, which block a bind without it and not the
    server's listen (issue 24)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError as e:
            return e
    return None


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


def start(
    port: int | None = None,
    path: str | os.PathLike[str] | None = None,
    timeout: float = START_TIMEOUT_S,
    tie_to_caller: bool = False,
    network_boundary: bool = False,
) -> dict:
    """Start the emulator in the background and return its state once it answers.
    With `tie_to_caller` it also shuts itself down, cleaning up, when this process dies
    (used by the test suite and the benchmark so that a killed run leaves nothing).
    `network_boundary` (or TAPCHECK_NETWORK_BOUNDARY=1) puts each cluster's servers in a network
    namespace (netns.py); the state's "network_boundary" says whether it is on."""
    from tapcheck.emulator import netns, tls
    from tapcheck.emulator.pgcluster import let_servers_through, mark_root, pg_available

    sp = state_path(path)
    _check_port(port)
    st = read_state(sp)
    if st and _ours(st):
        url = _url(st["port"])
        if not _responds(url):
            raise UsageError(
                "emulator",
                f"the emulator at {url} (pid {st['process']['pid']}) is running but not answering",
                "run `tapcheck emulator stop`, then start it again",
            )
        if port and int(st["port"]) != port:
            raise UsageError("emulator", f"already running on port {st['port']}", "run `tapcheck emulator stop` first")
        return {**st, "url": url}
    if st:
        stop(sp)  # stale state from a crashed emulator: clean up what is provably ours
    _check_state_path(sp)
    problem = pg_available()
    if problem:
        raise UsageError("emulator", problem, "run scripts/bootstrap.sh as root")
    port = _pick_port(port)
    busy = port_bindable(port)
    if busy is not None:
        raise UsageError(
            "emulator",
            f"cannot listen on 127.0.0.1:{port}: {_why(busy)}",
            "pass --port N (another free port, or 0 for any)",
        )
    try:
        root = Path(tempfile.mkdtemp(prefix="tapcheck-emu-", dir=data_parent()))  # 0700, a generated name
        mark_root(root)
        let_servers_through(root)
    except OSError as e:
        raise UsageError(
            tempfile.gettempdir(),
            f"cannot create the emulator's data directory: {_why(e)}",
            "free disk space there or set TMPDIR to a writable directory",
        ) from None
    try:  # the run's CA: it issues every cluster's server certificate, and the local target trusts it
        ca_cert = str(tls.ensure_ca(root))
    except OSError as e:
        _remove_root(root)
        raise UsageError(
            str(root),
            f"cannot create the emulator's certificate authority: {_why(e)}",
            "free disk space there or set TMPDIR to a writable directory",
        ) from None
    log = root / LOG_NAME
    try:
        log_fd = create_private_file(log)
    except OSError as e:
        _remove_root(root)
        raise UsageError(
            str(log),
            f"cannot create the emulator's log: {_why(e)}",
            "something else made that name: remove it and start again",
        ) from None
    creds = new_credentials()
    env = dict(os.environ)
    if network_boundary:
        env[netns.ENV] = "1"
    boundary = env.get(netns.ENV, "").strip().lower() in ("1", "true", "on", "yes") and netns.unavailable() is None
    env[netns.ENV] = "1" if boundary else "0"
    try:
        with os.fdopen(log_fd, "w") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tapcheck.emulator.server",
                    "--port",
                    str(port),
                    "--root",
                    str(root),
                    *(["--owner-pid", str(os.getpid())] if tie_to_caller else []),
                ],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd="/",
                env=env,
            )
        assert proc.stdin is not None
        with proc.stdin:  # the credentials go to the server alone: no argument, no environment
            proc.stdin.write(json.dumps(creds).encode() + b"\n")
    except OSError as e:
        _remove_root(root)
        raise UsageError("emulator", f"cannot start the server: {_why(e)}", f"check {tempfile.gettempdir()}") from None
    # Popen returns after exec, so the command line read here is the server's own.
    state: dict[str, Any] = {
        "pid": proc.pid,
        "port": port,
        "url": _url(port),
        "root": str(root),
        "log": str(log),
        "ca_cert": ca_cert,
        "started": time.time(),
        "network_boundary": boundary,
        "process": processes.identity(proc.pid, settle_s=2.0) or {"pid": proc.pid},
        "credentials": creds,
    }
    try:
        _write_state(sp, state)
    except OSError as e:
        _abort(proc, root)
        raise UsageError(
            str(sp), f"cannot write the emulator state file: {_why(e)}; the server was stopped again", STATE_FIX
        ) from None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            last = _last_line(log)
            stop(sp)
            raise UsageError(
                "emulator",
                "server exited during start-up: " + last,
                "fix what its last line says, then run `tapcheck emulator start` again",
            )
        if _responds(state["url"], creds):
            return state
        time.sleep(0.1)
    last = _last_line(log)
    stop(sp)
    raise UsageError(
        "emulator",
        f"not ready after {timeout:.0f} s (its log's last line: {last})",
        "run `tapcheck emulator start` again; on a busy machine it may need longer",
    )


def _last_line(log: Path) -> str:
    """The server log's last line (the log goes with the private directory at stop)."""
    try:
        lines = log.read_text()[-800:].strip().splitlines()
    except OSError:
        lines = []
    return lines[-1] if lines else "no output"


def _abort(proc: subprocess.Popen, root: Path) -> None:
    """Stop a server this process just started (our child: its pid cannot be reused before
    we reap it) and remove what it made."""
    proc.terminate()
    try:
        proc.wait(STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    _remove_root(root)


def _remove_root(root: Path) -> list[str]:
    """Remove the private directory (its log included), if it is the emulator's."""
    from tapcheck.emulator.pgcluster import cleanup_root

    return cleanup_root(root)


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
        log.unlink(missing_ok=True)  # an older emulator's log beside its root; today's is inside it
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
