"""`tapcheck emulator start|stop` before any server starts: the default state file is per user
and per project, and bad input is one line naming the problem and the fix (exit 2), with
nothing started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tapcheck.emulator import control
from tapcheck.errors import UsageError


def test_default_state_file_is_per_user_and_per_project(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("TAPCHECK_EMULATOR_STATE", raising=False)
    one, two = tmp_path / "one", tmp_path / "two"
    for project in (one, two):
        (project / "src").mkdir(parents=True)
        (project / "pyproject.toml").write_text("[project]\nname='x'\n")
    a = control.default_state_path(one)
    assert a != control.default_state_path(two)
    assert a == control.default_state_path(one / "src")  # anywhere inside one project
    assert f"-{os.geteuid()}-" in a.name
    monkeypatch.chdir(one / "src")
    assert control.state_path() == a
    monkeypatch.setenv("TAPCHECK_EMULATOR_STATE", str(tmp_path / "chosen.json"))
    assert control.state_path() == tmp_path / "chosen.json"


@pytest.fixture
def nothing_may_start(monkeypatch):
    started = []
    monkeypatch.setattr(control.subprocess, "Popen", lambda *a, **k: started.append(a) or pytest.fail("started"))
    return started


@pytest.mark.parametrize("port", [70000, 65536, -1])
def test_port_out_of_range_is_refused_before_anything_starts(tmp_path: Path, port: int, nothing_may_start) -> None:
    with pytest.raises(UsageError) as info:
        control.start(port=port, path=tmp_path / "state.json")
    line = info.value.line()
    assert f"--port: {port} is out of range" in line and "fix:" in line
    assert not nothing_may_start and not (tmp_path / "state.json").exists()


@pytest.mark.parametrize("where", ["under a regular file", "a directory"])
def test_unusable_state_path_is_refused_before_anything_starts(tmp_path: Path, where: str, nothing_may_start) -> None:
    (tmp_path / "file").write_text("x")
    path = tmp_path / "file" / "state.json" if where.startswith("under") else tmp_path
    with pytest.raises(UsageError) as info:
        control.start(port=0, path=path)
    line = info.value.line()
    assert "cannot write the emulator state file" in line and "--emulator-state" in line
    assert not nothing_may_start


def test_a_state_file_of_another_user_is_not_used(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give a file to another user")
    state = tmp_path / "state.json"
    state.write_text('{"port": 1, "root": "/tmp/x"}')
    os.chown(state, 65534, 65534)
    for call in (lambda: control.read_state(state), lambda: control.stop(state), lambda: control.start(path=state)):
        with pytest.raises(UsageError) as info:
            call()
        assert "belongs to uid 65534" in info.value.line()
    assert state.exists()


def test_cli_lines_for_bad_port_and_missing_emulator(tmp_path: Path) -> None:
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=str(tmp_path / "state.json"))
    proc = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "emulator", "start", "--port", "99999"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "out of range" in proc.stderr and "internal error" not in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "smoke", "--stack-name", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "the local emulator is not running" in proc.stderr and "Traceback" not in proc.stderr


def test_the_data_directory_goes_to_a_chosen_tmpdir_else_to_memory_when_it_has_room(
    tmp_path: Path, monkeypatch
) -> None:
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert control.data_parent() == str(tmp_path)
    monkeypatch.delenv("TMPDIR")
    monkeypatch.setattr(tempfile, "tempdir", None)
    shm = os.statvfs("/dev/shm") if os.path.isdir("/dev/shm") else None
    roomy = shm is not None and shm.f_bavail * shm.f_frsize >= control.SHM_MIN_FREE_BYTES
    assert control.data_parent() == ("/dev/shm" if roomy else tempfile.gettempdir())
    monkeypatch.setattr(control, "SHM_MIN_FREE_BYTES", 1 << 62)  # no memory file system that large
    assert control.data_parent() == tempfile.gettempdir()


# --- no open door: private files, credentials, the port -------------------------------------------
def test_a_private_file_is_never_created_through_a_planted_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    planted = tmp_path / "server.log"
    planted.symlink_to(victim)
    with pytest.raises(FileExistsError):
        control.create_private_file(planted)
    dangling = tmp_path / "dangling.log"
    dangling.symlink_to(tmp_path / "would-be-created")
    with pytest.raises(FileExistsError):
        control.create_private_file(dangling)
    assert victim.read_text() == "precious" and not (tmp_path / "would-be-created").exists()
    fd = control.create_private_file(tmp_path / "fresh.log")
    os.close(fd)
    assert (tmp_path / "fresh.log").stat().st_mode & 0o777 == 0o600


def test_start_refuses_a_link_planted_where_its_log_goes_and_starts_nothing(
    tmp_path: Path, monkeypatch, nothing_may_start
) -> None:
    import tempfile

    private = tmp_path / "tapcheck-emu-planted"
    private.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (private / control.LOG_NAME).symlink_to(victim)
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **_: str(private))
    with pytest.raises(UsageError) as info:
        control.start(port=0, path=tmp_path / "state.json")
    assert f"{private / control.LOG_NAME}: cannot create the emulator's log: File exists" in info.value.line()
    assert victim.read_text() == "precious" and not nothing_may_start
    assert not (tmp_path / "state.json").exists()


def test_the_state_file_holding_the_credentials_is_the_users_alone(tmp_path: Path) -> None:
    creds = control.new_credentials()
    assert len(creds["access_key_id"]) == 20 and creds["access_key_id"].startswith("AKIA")
    assert creds != control.new_credentials()
    state = tmp_path / "new-dir" / "state.json"
    control._write_state(state, {"port": 1, "root": "/nowhere", "credentials": creds})
    assert state.stat().st_mode & 0o777 == 0o600 and state.parent.stat().st_mode & 0o777 == 0o700
    st = control.read_state(state)
    assert control.client_credentials(st) == {
        "aws_access_key_id": creds["access_key_id"],
        "aws_secret_access_key": creds["secret_access_key"],
    }


def test_a_port_whose_last_server_just_stopped_can_be_taken_again() -> None:
    """Issue 24: a connection the server closed stays in TIME_WAIT on its port for a minute; the
    start-up check binds with SO_REUSEADDR, as the server's own socket does."""
    import socket

    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = server.accept()
        accepted.close()  # the server side closes first: its end waits in TIME_WAIT
        client.close()
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # what the old check did, and why it failed
    assert control.port_bindable(port) is None
