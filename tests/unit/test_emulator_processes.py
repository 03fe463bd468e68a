"""The emulator signals only processes it can prove it started: stale state files and
leftover postmaster.pid files naming other processes kill nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tapcheck.emulator import control, processes
from tapcheck.emulator.pgcluster import CLUSTER_MARKER, cleanup_root, mark_root, stop_postmaster


@pytest.fixture
def bystander(tmp_path: Path):
    """An unrelated process (a `sleep`) that must survive. Popen returns once the child is in
    exec, while its command line may still read empty: identity() is asked to settle."""
    proc = subprocess.Popen(["sleep", "60"], cwd=tmp_path)
    yield proc
    proc.kill()
    proc.wait()


def _alive(proc: subprocess.Popen) -> bool:
    return proc.poll() is None


def test_identity_matches_only_the_same_process(bystander) -> None:
    recorded = processes.identity(bystander.pid, settle_s=2.0)
    assert recorded and recorded["cmdline"] == ["sleep", "60"]
    assert processes.matches(recorded)
    assert not processes.matches({**recorded, "start_ticks": recorded["start_ticks"] - 1})
    assert not processes.matches({**recorded, "cmdline": ["python", "-m", "tapcheck.emulator.server"]})
    assert not processes.matches({"pid": bystander.pid})  # a bare pid proves nothing


def test_a_recorded_identity_that_no_longer_matches_is_not_signalled(bystander) -> None:
    recorded = processes.identity(bystander.pid, settle_s=2.0)
    stale = {**recorded, "start_ticks": recorded["start_ticks"] + 5}
    assert processes.signal_recorded(stale, signal.SIGKILL) is False
    time.sleep(0.1)
    assert _alive(bystander)
    assert processes.signal_recorded(recorded, signal.SIGTERM) is True
    bystander.wait(5)
    assert not _alive(bystander)


def _stale_state(tmp_path: Path, pid: int, process: dict | None) -> Path:
    root = tmp_path / "tapcheck-emu-stale"
    mark_root(root)
    state = tmp_path / "state.json"
    st = {"pid": pid, "port": 1, "url": "http://127.0.0.1:1", "root": str(root), "log": str(tmp_path / "x.log")}
    if process is not None:
        st["process"] = process
    state.write_text(json.dumps(st))
    return state


@pytest.mark.parametrize("kind", ["old format: pid only", "another process's identity"])
def test_emulator_stop_with_a_stale_state_file_kills_nothing(tmp_path: Path, bystander, kind: str) -> None:
    process = (
        None
        if kind.startswith("old")
        else {
            "pid": bystander.pid,
            "start_ticks": 1,
            "boot_id": processes.identity(bystander.pid, settle_s=2.0)["boot_id"],
            "cmdline": ["python", "-m", "tapcheck.emulator.server", "--port", "1"],
        }
    )
    (tmp_path / "x.log").write_text("not the emulator's log")
    state = _stale_state(tmp_path, bystander.pid, process)
    done = control.stop(state)
    time.sleep(0.1)
    assert _alive(bystander), done
    assert any("no longer the emulator" in d for d in done), done
    assert not state.exists()
    assert (tmp_path / "x.log").exists()  # a log path the emulator did not name is not deleted


def test_a_state_directory_without_the_emulators_marker_is_not_removed(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "data").write_text("keep")
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"port": 1, "root": str(precious), "log": "/etc/passwd"}))
    done = control.stop(state)
    assert (precious / "data").read_text() == "keep"
    assert Path("/etc/passwd").exists()
    assert any("left" in d and "alone" in d for d in done), done


def _fake_data_dir(root: Path) -> Path:
    data = root / "0123abcd" / "writer"
    data.mkdir(parents=True)
    (data.parent / CLUSTER_MARKER).write_text(json.dumps({"cluster": "c"}))
    return data


def _pidfile(data: Path, pid: int, started: float) -> None:
    (data / "postmaster.pid").write_text(f"{pid}\n{data}\n{int(started)}\n5432\n/tmp\n127.0.0.1\n  1  2\nready\n")


def test_leftover_postmaster_pid_naming_an_unrelated_process_is_not_signalled(tmp_path: Path, bystander) -> None:
    root = tmp_path / "emu"
    mark_root(root)
    data = _fake_data_dir(root)
    _pidfile(data, bystander.pid, processes.started_at(bystander.pid))  # even with its true start time
    assert processes.live_postmaster(data) is None
    assert stop_postmaster(data) == f"removed stale postmaster.pid in {data}"
    _pidfile(data, bystander.pid, processes.started_at(bystander.pid))
    cleanup_root(root)
    time.sleep(0.1)
    assert _alive(bystander)
    assert not root.exists()


def test_a_postgres_named_process_is_a_postmaster_only_in_its_data_directory_and_at_its_start_time(
    tmp_path: Path,
) -> None:
    root = tmp_path / "emu"
    mark_root(root)
    data = _fake_data_dir(root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # argv[0] "postgres", like a postmaster, but running in another directory
    impostor = subprocess.Popen(["bash", "-c", "exec -a postgres sleep 60"], cwd=elsewhere)
    in_data = subprocess.Popen(["bash", "-c", "exec -a postgres sleep 60"], cwd=data)
    try:
        time.sleep(0.2)
        _pidfile(data, impostor.pid, processes.started_at(impostor.pid))
        assert processes.live_postmaster(data) is None
        assert processes.signal_postmaster(data, signal.SIGKILL) is False
        _pidfile(data, in_data.pid, processes.started_at(in_data.pid) - 3600)  # a reused pid: wrong start time
        assert processes.live_postmaster(data) is None
        assert processes.signal_postmaster(data, signal.SIGKILL) is False
        time.sleep(0.1)
        assert _alive(impostor) and _alive(in_data)
        _pidfile(data, in_data.pid, processes.started_at(in_data.pid))  # now it is proven
        assert processes.live_postmaster(data) == in_data.pid
        assert stop_postmaster(data, timeout=2.0).startswith(f"stopped PostgreSQL in {data}")
        in_data.wait(5)
    finally:
        for proc in (impostor, in_data):
            proc.kill()
            proc.wait()


def test_processes_under_lists_live_processes_by_command_line(tmp_path: Path) -> None:
    marker = str(tmp_path / "unique-marker-dir")
    proc = subprocess.Popen(["python3", "-c", "import time; time.sleep(30)", marker])
    try:
        time.sleep(0.1)
        assert proc.pid in control.processes_under(marker)
    finally:
        proc.kill()
        proc.wait()
    assert proc.pid not in control.processes_under(marker)
    assert os.getpid() not in control.processes_under(marker)
