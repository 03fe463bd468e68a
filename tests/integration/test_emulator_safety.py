"""An emulator safe to run as root: template values never become SQL text or file paths, it
signals only processes it proves it started, every failure removes what it made (and says
so only after checking), and an unusable state path, a full disk or an emulator that stopped
answering is one line with the fix. Local target only."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tapcheck.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


def _suffix(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:6]


def _cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def _pg_left(emulator, cluster_id: str) -> list[str]:
    from tapcheck.emulator.control import processes_under
    from tapcheck.emulator.pgcluster import cluster_dirs

    dirs = cluster_dirs(Path(emulator["root"]), cluster_id)
    return [str(d) for d in dirs] + [str(p) for d in dirs for p in processes_under(d)]


# --- template values are neither SQL nor paths -------------------------------------------
def test_hostile_names_stay_data_in_sql_and_never_become_paths() -> None:
    import psycopg

    from tapcheck.emulator.pgcluster import PgCluster, cleanup_root, cluster_dirs, mark_root

    # under the temp directory like the emulator's own root, which the postgres user can reach
    tmp_path = Path(tempfile.mkdtemp(prefix="tapcheck-emu-test-"))
    os.chmod(tmp_path, 0o711)
    root = tmp_path / "emu"
    mark_root(root)
    before = set(os.listdir(tmp_path))
    name, database = "../../escaped", 'my"db; DROP DATABASE postgres; --'
    pgc = PgCluster(root, name, 5432, "dbadmin", "pa'ss:w\\rd\"x", database, {"log_statement": "ddl"})
    try:
        pgc.create()
        pgc.start_writer()
        assert re.fullmatch(r"[0-9a-f]{32}", pgc.dir.name) and pgc.dir.parent == root
        assert set(os.listdir(tmp_path)) == before
        assert cluster_dirs(root, name) == [pgc.dir]
        with pgc._admin("writer") as conn:
            names = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
            assert database in names and "postgres" in names
            assert conn.execute("SHOW log_statement").fetchone()[0] == "ddl"
        with psycopg.connect(
            host=pgc.writer_host,
            port=5432,
            user="dbadmin",
            password=pgc.master_password,
            dbname=database,
            sslmode="require",
            connect_timeout=5,
        ) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == database
        with pytest.raises(psycopg.errors.InvalidParameterValue):  # one quoted literal, not two statements
            pgc.apply_parameters({"log_statement": "all'; ALTER SYSTEM SET fsync = 'on"})
        with pgc._admin("writer") as conn:
            conn.execute("SELECT pg_reload_conf()")
            assert conn.execute("SHOW fsync").fetchone()[0] == "off"
        subject = subprocess.run(
            ["openssl", "x509", "-in", str(pgc.writer_data / "server.crt"), "-noout", "-subject"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"tapcheck-{pgc.uid}" in subject and "escaped" not in subject
    finally:
        pgc.destroy()
        assert not pgc.dir.exists()
        cleanup_root(root)
        tmp_path.rmdir()


def test_a_deployed_clusters_directory_is_named_by_a_generated_id(live_stack, emulator) -> None:
    from tapcheck.emulator.pgcluster import cluster_dirs

    if emulator is None:
        pytest.skip("local target only")
    cluster_id = live_stack.cluster["DBClusterIdentifier"]
    dirs = cluster_dirs(Path(emulator["root"]), cluster_id)
    assert len(dirs) == 1 and re.fullmatch(r"[0-9a-f]{32}", dirs[0].name)
    assert not (Path(emulator["root"]) / cluster_id).exists()


# --- only processes it started ------------------------------------------------------------
def test_start_and_stop_on_a_stale_state_file_do_not_kill_an_unrelated_process(tmp_path: Path) -> None:
    from tapcheck.emulator import control, processes
    from tapcheck.emulator.pgcluster import mark_root

    sleeper = subprocess.Popen(["sleep", "120"])
    try:
        state = tmp_path / "state.json"
        stale_root = tmp_path / "old-root"
        mark_root(stale_root)
        ident = processes.identity(sleeper.pid, settle_s=2.0)
        stale = {
            "pid": sleeper.pid,
            "port": 9,
            "url": "http://127.0.0.1:9",
            "root": str(stale_root),
            "process": {**ident, "start_ticks": ident["start_ticks"] - 7},
        }
        state.write_text(json.dumps(stale))
        env = dict(os.environ, TAPCHECK_EMULATOR_STATE=str(state))
        proc = _cli("emulator", "stop", env=env)
        assert proc.returncode == 0 and "no longer the emulator" in proc.stdout, proc.stdout + proc.stderr
        assert sleeper.poll() is None
        state.write_text(json.dumps(stale))
        st = control.start(port=0, path=state, tie_to_caller=True)  # cleans the stale state up first
        try:
            assert sleeper.poll() is None and not stale_root.exists()
            assert processes.matches(st["process"])
        finally:
            control.stop(state)
        time.sleep(0.1)
        assert sleeper.poll() is None
    finally:
        sleeper.kill()
        sleeper.wait()


# --- every failure removes what it made ---------------------------------------------------
def test_a_refused_deploy_of_an_existing_name_changes_nothing(live_stack, live_options) -> None:
    """Deploying over a stack that exists plans the update first: renaming everything
    (EnvironmentSuffix) replaces the cluster and the secret under Delete policies, so the deploy is
    refused before anything is made -- no network, no change to the stack."""
    from tapcheck.live import deploy, update

    target = live_stack.target
    if not target.local:
        pytest.skip("local target only")
    ec2 = target.client("ec2")
    tagged = [{"Name": f"tag:{deploy.NETWORK_TAG}", "Values": [live_stack.stack_name]}]
    before = (
        ec2.describe_vpcs(Filters=tagged)["Vpcs"],
        ec2.describe_subnets(Filters=tagged)["Subnets"],
        ec2.describe_security_groups(Filters=tagged)["SecurityGroups"],
    )
    all_vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    events_before = len(
        target.client("cloudformation").describe_stack_events(StackName=live_stack.stack_name)["StackEvents"]
    )
    with pytest.raises(update.UpdateRefused) as info:
        deploy.deploy(target, live_options.template, live_stack.stack_name, {"EnvironmentSuffix": "other"})
    assert {"AuroraCluster", "DatabaseSecret"} <= set(info.value.blocked)
    events = target.client("cloudformation").describe_stack_events(StackName=live_stack.stack_name)["StackEvents"]
    assert len(events) == events_before and deploy.stack_status(target, live_stack.stack_name) == "CREATE_COMPLETE"
    after = (
        ec2.describe_vpcs(Filters=tagged)["Vpcs"],
        ec2.describe_subnets(Filters=tagged)["Subnets"],
        ec2.describe_security_groups(Filters=tagged)["SecurityGroups"],
    )
    assert [len(x) for x in before] == [1, 2, 1] and after == before
    assert {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]} == all_vpcs


@pytest.mark.parametrize("role", ["writer", "reader"])
def test_destroy_works_after_the_writer_or_the_standby_died(local_target, live_options, emulator, role) -> None:
    from tapcheck.emulator import processes
    from tapcheck.emulator.pgcluster import cluster_dirs
    from tapcheck.live import deploy

    suffix = _suffix("dd")
    name = f"tapcheck-dead-{suffix}"
    cluster_id = f"aurora-postgres-cluster-{suffix}"
    deploy.deploy(local_target, live_options.template, name, {"EnvironmentSuffix": suffix})
    (cluster_dir,) = cluster_dirs(Path(emulator["root"]), cluster_id)
    pid = processes.live_postmaster(cluster_dir / role)
    assert pid
    os.kill(pid, signal.SIGKILL)
    processes.wait_gone(pid, 5)
    deploy.destroy(local_target, name)
    with pytest.raises(UsageError):
        deploy.describe(local_target, name)
    assert not _pg_left(emulator, cluster_id)


def test_deploy_destroy_deploy_of_one_name_works_at_once(local_target, live_options) -> None:
    from tapcheck.live import deploy

    suffix = _suffix("rr")
    name = f"tapcheck-again-{suffix}"
    rds = local_target.client("rds")
    for _ in range(2):
        deploy.deploy(local_target, live_options.template, name, {"EnvironmentSuffix": suffix})
        deploy.destroy(local_target, name)
        # automated backups go with the deleted cluster, as on AWS
        snaps = rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"]
        assert not [s for s in snaps if suffix in s["DBClusterIdentifier"]]


def test_a_failure_that_is_not_a_postgresql_error_cleans_up(local_target, live_options, emulator) -> None:
    """CREATE DATABASE template1 fails inside psycopg after the writer started."""
    suffix = _suffix("np")
    name = f"tapcheck-np-{suffix}"
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    proc = _cli(
        "deploy",
        live_options.template,
        "--stack-name",
        name,
        "--param",
        f"EnvironmentSuffix={suffix}",
        "--param",
        "DatabaseName=template1",
        env=env,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "resource AuroraInstance1" in proc.stderr and "DuplicateDatabase" in proc.stderr
    assert f"nothing of {name} is left" in proc.stderr and "internal error" not in proc.stderr
    assert not _pg_left(emulator, f"aurora-postgres-cluster-{suffix}")


def _interrupt_when_stack_appears(proc: subprocess.Popen, target, name: str) -> None:
    from tapcheck.live.deploy import stack_status

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if stack_status(target, name) == "CREATE_IN_PROGRESS":
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            return
        time.sleep(0.02)
    pytest.fail("the stack never showed CREATE_IN_PROGRESS")


def test_ctrl_c_during_local_deploy_rolls_the_partial_stack_back(local_target, live_options, emulator) -> None:
    from tapcheck.live.deploy import NETWORK_TAG, stack_status

    suffix = _suffix("cc")
    name = f"tapcheck-ctrlc-{suffix}"
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tapcheck.cli",
            "deploy",
            live_options.template,
            "--stack-name",
            name,
            "--param",
            f"EnvironmentSuffix={suffix}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    _interrupt_when_stack_appears(proc, local_target, name)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert "rolled back the partial stack" in err and f"nothing of {name} is left" in err, err
    assert stack_status(local_target, name) is None
    ec2 = local_target.client("ec2")
    assert not ec2.describe_vpcs(Filters=[{"Name": f"tag:{NETWORK_TAG}", "Values": [name]}])["Vpcs"]
    assert not [
        c for c in local_target.client("rds").describe_db_clusters()["DBClusters"] if suffix in c["DBClusterIdentifier"]
    ]
    assert not _pg_left(emulator, f"aurora-postgres-cluster-{suffix}")


def test_ctrl_c_during_aws_deploy_prints_the_one_command_that_removes_it(local_target, live_options, emulator) -> None:
    """The --target aws path, run against the emulator through AWS_ENDPOINT_URL."""
    from tapcheck.live import deploy

    suffix = _suffix("ca")
    name = f"tapcheck-ctrlc-aws-{suffix}"
    net = deploy.ensure_network(local_target, name)
    from tapcheck.emulator import control

    env = dict(os.environ, **control.environment(emulator["state"]))
    env.pop("AWS_PROFILE", None)
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tapcheck.cli",
                "deploy",
                live_options.template,
                "--target",
                "aws",
                "--stack-name",
                name,
                "--param",
                f"EnvironmentSuffix={suffix}",
                *[f"--param={k}={net[k]}" for k in deploy.NETWORK_PARAMS],
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        _interrupt_when_stack_appears(proc, local_target, name)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, out + err
        command = f"tapcheck destroy --stack-name {name} --target aws --region us-east-1"
        assert command in err, err
        # on AWS destroy needs the stack's name repeated (a terminal would be asked for it)
        destroy = _cli(*command.split()[1:], "--confirm-stack", name, env=env)
        assert destroy.returncode == 0, destroy.stdout + destroy.stderr
        assert deploy.stack_status(local_target, name) is None
        assert not _pg_left(emulator, f"aurora-postgres-cluster-{suffix}")
    finally:
        deploy.delete_network_ids(local_target, net)


# --- one line for what is wrong with the environment --------------------------------------
def _servers_under(path: Path) -> list[int]:
    from tapcheck.emulator.control import processes_under

    return processes_under(path)


def test_a_full_disk_for_the_state_file_is_one_line_and_nothing_runs(tmp_path: Path, monkeypatch) -> None:
    if os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root")
    disk = tmp_path / "tiny"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(disk)], check=True)
    try:
        try:  # fill it up (on a tiny tmpfs even creating the file may already fail)
            with open(disk / "filler", "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError as e:
            assert e.errno == 28  # ENOSPC
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        env = dict(os.environ, TAPCHECK_EMULATOR_STATE=str(disk / "state.json"), TMPDIR=str(tmp_path))
        proc = _cli("emulator", "start", "--port", "0", env=env)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and "No space left on device" in proc.stderr and "fix:" in proc.stderr
        assert not _servers_under(tmp_path) and not list(tmp_path.glob("tapcheck-emu-*"))
    finally:
        subprocess.run(["umount", str(disk)], check=False)


def test_a_state_write_failing_after_start_stops_the_server_again(tmp_path: Path, monkeypatch) -> None:
    import errno

    from tapcheck.emulator import control

    real_write = control._write_state
    state = tmp_path / "state.json"

    def write(sp: Path, st: dict) -> None:
        if sp == state:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_write(sp, st)

    monkeypatch.setattr(control, "_write_state", write)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(UsageError) as info:
        control.start(port=0, path=state, tie_to_caller=True)
    assert "No space left on device" in info.value.line() and "server was stopped again" in info.value.line()
    time.sleep(0.2)
    assert not _servers_under(tmp_path)
    assert not list(tmp_path.glob("tapcheck-emu-*")) and not state.exists()


def test_an_emulator_that_stopped_answering_is_one_line(tmp_path: Path) -> None:
    from tapcheck.emulator import control

    state = tmp_path / "state.json"
    st = control.start(port=0, path=state, tie_to_caller=True)
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=str(state))
    os.kill(st["pid"], signal.SIGSTOP)
    try:
        started = time.monotonic()
        for args in (("smoke", "--stack-name", "x"), ("emulator", "start")):
            proc = _cli(*args, env=env, timeout=60)
            assert proc.returncode == 2, proc.stdout + proc.stderr
            assert "is running but not answering" in proc.stderr and "tapcheck emulator stop" in proc.stderr
            assert proc.stderr.count("\n") == 1 and "internal error" not in proc.stderr
        assert time.monotonic() - started < 30
    finally:
        os.kill(st["pid"], signal.SIGCONT)
        control.stop(state)
