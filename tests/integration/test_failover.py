"""The failover drill (issue 7 §3, C6) on the local emulator: FailoverDBCluster moves the
writer without losing a committed row, the stack stays healthy, a second failover goes
back; a dead writer still fails over; a dead standby refuses; the AWS code path of the CLI
runs against the emulator and refuses unless the stack's name is repeated, and a decoy stack's
outputs cannot steer it to another stack's cluster. These disrupt their stacks,
so they deploy their own, on the local target only."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest


def _deploy(target, template: str) -> str:
    from tapcheck.live import deploy

    name = f"tapcheck-fo-{uuid.uuid4().hex[:6]}"
    deploy.deploy(target, template, name, {"EnvironmentSuffix": f"fo{uuid.uuid4().hex[:6]}"})
    return name


@pytest.fixture(scope="module")
def stack(local_target, live_options):
    from tapcheck.live import deploy

    name = _deploy(local_target, live_options.template)
    try:
        yield name
    finally:
        deploy.destroy(local_target, name)


def _smoke_clean(target, name: str) -> str:
    from tapcheck.live.smoke import smoke

    out = io.StringIO()
    rc = smoke(target, name, out=out)
    text = out.getvalue()
    assert rc == 0, text
    assert " 0 failed, 0 skipped" in text, text
    return text


def _cluster(target, name: str) -> dict:
    from tapcheck.live.context import Context

    cid = Context(target, name).one("AWS::RDS::DBCluster")
    return target.client("rds").describe_db_clusters(DBClusterIdentifier=cid)["DBClusters"][0]


def _writer(cluster: dict) -> str:
    writers = [m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"]]
    assert len(writers) == 1, cluster["DBClusterMembers"]
    return writers[0]


def _outputs(target, name: str) -> dict[str, str]:
    from tapcheck.live import deploy

    return deploy.outputs_of(deploy.describe(target, name))


def _connect(target, name: str, reader: bool = False):
    """A connection through the stack's writer (or reader) endpoint with the secret's login."""
    import psycopg

    outputs = _outputs(target, name)
    secret = target.client("secretsmanager").get_secret_value(SecretId=outputs["DatabaseSecretArn"])
    creds = json.loads(secret["SecretString"])
    host = outputs["ClusterReaderEndpoint" if reader else "ClusterEndpoint"]
    return psycopg.connect(
        host=host,
        port=int(outputs["ClusterPort"]),
        user=creds["username"],
        password=creds["password"],
        dbname=_cluster(target, name).get("DatabaseName") or "postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _replica_status_writer(target, name: str) -> str:
    """The instance aurora_replica_status() names the writer (MASTER_SESSION_ID), asked on both
    endpoints as the master user; they must agree, and the other row is the cluster's reader."""
    members = {m["DBInstanceIdentifier"] for m in _cluster(target, name)["DBClusterMembers"]}
    writers = set()
    for reader in (False, True):
        with _connect(target, name, reader=reader) as conn:
            rows = dict(conn.execute("SELECT server_id, session_id FROM aurora_replica_status()").fetchall())
        assert set(rows) == members, rows
        writers |= {server for server, session in rows.items() if session == "MASTER_SESSION_ID"}
    assert len(writers) == 1, writers
    return writers.pop()


def _gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def _postmaster_on(host: str, port: int, emulator_root: str) -> tuple[int, str]:
    """(pid, data directory) of the PostgreSQL listening on host:port: the process owning the
    listening socket, checked to be a postgres of this emulator before anyone signals it."""
    a, b, c, d = (int(x) for x in host.split("."))
    local = f"{d:02X}{c:02X}{b:02X}{a:02X}:{port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[3] == "0A":  # LISTEN
            inode = fields[9]
    assert inode, f"nothing listens on {host}:{port}"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds}
        except OSError:
            continue
        if f"socket:[{inode}]" in links:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            args = [x.decode() for x in cmd if x]
            assert Path(args[0]).name == "postgres" and emulator_root in " ".join(args), args
            return int(pid), args[args.index("-D") + 1]
    raise AssertionError(f"no process owns the socket listening on {host}:{port}")


def test_drill_fails_over_with_no_committed_row_lost_and_a_second_failover_goes_back(local_target, stack) -> None:
    from tapcheck.live import drill

    first_writer = _writer(_cluster(local_target, stack))
    out = io.StringIO()
    result = drill.run_drill(local_target, stack, out=out)
    text = out.getvalue()
    assert result.ok, text
    assert result.committed > drill.WARMUP_COMMITS and result.lost == [], text
    assert result.old_writer == first_writer and result.new_writer not in (None, first_writer), text
    assert _writer(_cluster(local_target, stack)) == result.new_writer
    assert _replica_status_writer(local_target, stack) == result.new_writer
    assert 0 < result.window_s < drill.WRITER_RECOVERY_BOUND_S["local"], text
    assert "FAIL" not in text and "write-unavailability window:" in text
    timeline = re.search(r"WAL timeline (\d+) -> (\d+)", text)  # the endpoint serves the promoted server
    assert timeline and int(timeline.group(2)) == int(timeline.group(1)) + 1, text
    _smoke_clean(local_target, stack)

    out = io.StringIO()
    back = drill.run_drill(local_target, stack, out=out)
    assert back.ok and back.lost == [], out.getvalue()
    assert back.new_writer == first_writer, out.getvalue()
    assert _writer(_cluster(local_target, stack)) == first_writer
    assert _replica_status_writer(local_target, stack) == first_writer
    _smoke_clean(local_target, stack)


def _aws_env(emulator) -> dict[str, str]:
    """`--target aws` pointed at the emulator through AWS_ENDPOINT_URL (NOTES.md)."""
    from tapcheck.emulator import control

    env = dict(os.environ, **control.environment(emulator["state"]))
    env.pop("AWS_PROFILE", None)
    return env


def test_cli_on_the_aws_path_refuses_without_the_name_repeated_then_drills(local_target, stack, emulator) -> None:
    env = _aws_env(emulator)
    cmd = [
        sys.executable,
        "-m",
        "tapcheck.cli",
        "drill",
        "failover",
        "--stack-name",
        stack,
        "--target",
        "aws",
        "--ca-bundle",
        emulator["ca_cert"],
    ]
    before = _writer(_cluster(local_target, stack))
    for extra, problem in (
        ([], "needs its name repeated"),
        (["--yes-disrupt"], "--yes-disrupt: no longer enough"),
        (["--confirm-stack", stack + "x"], "is not the stack's name"),
    ):
        refused = subprocess.run(
            cmd + extra, capture_output=True, text=True, env=env, timeout=120, stdin=subprocess.DEVNULL, check=False
        )
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert problem in refused.stderr and f"--confirm-stack {stack}" in refused.stderr, refused.stderr
        assert refused.stderr.count("\n") == 1 and refused.stdout == "", refused.stderr
        assert _writer(_cluster(local_target, stack)) == before  # nothing happened

    ran = subprocess.run(
        cmd + ["--confirm-stack", stack], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "0 lost" in ran.stdout and "5 passed, 0 failed" in ran.stdout, ran.stdout
    assert _writer(_cluster(local_target, stack)) != before


def test_a_decoy_stacks_outputs_cannot_steer_the_drill_to_another_stacks_cluster(
    local_target, stack, emulator, live_options, tmp_path
) -> None:
    """A stack whose outputs name another stack's cluster, secret and endpoints (what the drill used to
    take its cluster from): the drill refuses naming them, and neither cluster fails over."""
    from tapcheck.live import deploy

    victim = _outputs(local_target, stack)
    doc = json.loads(Path(live_options.template).read_text())
    for key in ("ClusterIdentifier", "DatabaseSecretArn", "ClusterEndpoint", "ClusterReaderEndpoint"):
        doc["Outputs"][key]["Value"] = victim[key]
    path = tmp_path / "decoy.json"
    path.write_text(json.dumps(doc))
    decoy = _deploy(local_target, str(path))
    try:
        assert _outputs(local_target, decoy)["ClusterIdentifier"] == victim["ClusterIdentifier"]
        writers = {name: _writer(_cluster(local_target, name)) for name in (stack, decoy)}
        ran = subprocess.run(
            [
                sys.executable,
                "-m",
                "tapcheck.cli",
                "drill",
                "failover",
                "--stack-name",
                decoy,
                "--target",
                "aws",
                "--confirm-stack",
                decoy,
                "--ca-bundle",
                emulator["ca_cert"],
            ],
            capture_output=True,
            text=True,
            env=_aws_env(emulator),
            timeout=120,
            check=False,
        )
        assert ran.returncode == 2 and ran.stdout == "", ran.stdout + ran.stderr
        line = ran.stderr.strip()
        assert line.startswith(
            f"tapcheck: stack {decoy}: its outputs name what is not among its own resources: "
            f"ClusterIdentifier (names {victim['ClusterIdentifier']}, not the stack's own "
        ), line
        for key in ("DatabaseSecretArn", "ClusterEndpoint", "ClusterReaderEndpoint"):
            assert f"{key} (names {victim[key]}, " in line, line
        assert ran.stderr.count("\n") == 1 and "nothing was touched" in line
        assert {name: _writer(_cluster(local_target, name)) for name in (stack, decoy)} == writers
    finally:
        deploy.destroy(local_target, decoy)


def test_a_cluster_with_one_instance_fails_c6(local_target, live_options, tmp_path, emulator) -> None:
    """Nothing to fail over to: the drill exits 1 naming C6 and leaves the writer alone."""
    doc = json.loads(Path(live_options.template).read_text())
    instances = [k for k, v in doc["Resources"].items() if v["Type"] == "AWS::RDS::DBInstance"]
    assert len(instances) >= 2
    for extra in instances[1:]:
        del doc["Resources"][extra]
    for body in doc["Resources"].values():
        depends = body.get("DependsOn")
        if depends:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in instances[1:]]
            body["DependsOn"] = kept
    path = tmp_path / "one-instance.json"
    path.write_text(json.dumps(doc))
    from tapcheck.live import deploy

    name = _deploy(local_target, str(path))
    try:
        env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
        ran = subprocess.run(
            [sys.executable, "-m", "tapcheck.cli", "drill", "failover", "--stack-name", name],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert ran.returncode == 1, ran.stdout + ran.stderr
        assert "FAIL C6  a reader to fail over to - the cluster has 1 instance(s)" in ran.stdout
        assert "failed requirements: C6" in ran.stdout
    finally:
        deploy.destroy(local_target, name)


def test_cli_exit_codes_on_the_local_target(local_target, emulator) -> None:
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    missing = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "drill", "failover", "--stack-name", f"no-such-{uuid.uuid4().hex[:6]}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr, missing.stdout + missing.stderr


def test_a_dead_writer_still_fails_over_to_the_standby_and_keeps_replicated_rows(local_target, stack, emulator) -> None:
    """The unplanned case: no shutdown checkpoint to wait for; the standby is promoted with
    what it replayed. Rows already visible on the reader survive."""
    outputs = _outputs(local_target, stack)
    port = int(outputs["ClusterPort"])
    with _connect(local_target, stack) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS fo_crash (id int PRIMARY KEY)")
        conn.execute("INSERT INTO fo_crash SELECT generate_series(1, 100)")
    deadline = time.monotonic() + 5
    while True:
        with _connect(local_target, stack, reader=True) as reader:
            if reader.execute("SELECT count(*) FROM fo_crash").fetchone()[0] == 100:
                break
        assert time.monotonic() < deadline, "rows did not replicate before the crash"
        time.sleep(0.05)
    before = _writer(_cluster(local_target, stack))
    pid, _ = _postmaster_on(outputs["ClusterEndpoint"], port, emulator["root"])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not _gone(pid):
        assert time.monotonic() < deadline, f"the writer's postmaster {pid} did not die"
        time.sleep(0.05)

    cid = _cluster(local_target, stack)["DBClusterIdentifier"]
    local_target.client("rds").failover_db_cluster(DBClusterIdentifier=cid)
    assert _writer(_cluster(local_target, stack)) != before
    with _connect(local_target, stack) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
        assert conn.execute("SELECT count(*) FROM fo_crash").fetchone()[0] == 100
        conn.execute("DROP TABLE fo_crash")
    _smoke_clean(local_target, stack)


def test_failover_refuses_when_the_standby_is_down_and_the_writer_keeps_writing(
    local_target, live_options, emulator
) -> None:
    from botocore.exceptions import ClientError

    from tapcheck.live import deploy

    name = _deploy(local_target, live_options.template)
    try:
        outputs = _outputs(local_target, name)
        _, data = _postmaster_on(outputs["ClusterReaderEndpoint"], int(outputs["ClusterPort"]), emulator["root"])
        stop = ["/usr/lib/postgresql/15/bin/pg_ctl", "stop", "-D", data, "-m", "fast", "-w"]
        if os.geteuid() == 0:
            stop = ["runuser", "-u", "postgres", "--", *stop]
        subprocess.run(stop, check=True, capture_output=True, timeout=60)
        cluster = _cluster(local_target, name)
        before = _writer(cluster)
        with pytest.raises(ClientError) as info:
            local_target.client("rds").failover_db_cluster(DBClusterIdentifier=cluster["DBClusterIdentifier"])
        assert info.value.response["Error"]["Code"] == "InvalidDBClusterStateFault"
        assert "the reader is not running" in info.value.response["Error"]["Message"]
        assert _writer(_cluster(local_target, name)) == before  # moto's roles were put back
        with _connect(local_target, name) as conn:
            conn.execute("CREATE TABLE fo_still_writable (x int)")
    finally:
        deploy.destroy(local_target, name)


def test_failover_is_abandoned_when_the_standby_has_not_replayed_the_writers_last_wal() -> None:
    """Planned failover must not promote a standby that lacks committed WAL: with replay
    paused on the standby, the failover gives up and the old writer takes writes again."""
    import psycopg

    from tapcheck.emulator.failover import FailoverError, fail_over, server_running
    from tapcheck.emulator.pgcluster import PgCluster, pg_available

    problem = pg_available()
    if problem:
        pytest.fail(problem)
    root = Path(tempfile.mkdtemp(prefix="tapcheck-fo-"))
    pgc = PgCluster(root, "abandon", 5433, "master", "pw-abandon-1", "appdb", {})
    try:
        pgc.create()
        pgc.start_writer()
        pgc.start_reader()
        with pgc._admin("reader") as reader:
            reader.execute("SELECT pg_wal_replay_pause()")

        def as_master():  # the application's writes: the master user's table (it is not a superuser)
            return psycopg.connect(
                host=pgc.writer_host,
                port=pgc.port,
                user="master",
                password="pw-abandon-1",
                dbname="appdb",
                autocommit=True,
                connect_timeout=5,
            )

        with as_master() as writer:
            writer.execute("CREATE TABLE t (id int)")
            writer.execute("INSERT INTO t VALUES (1)")
        with pytest.raises(FailoverError, match="failover abandoned so that no committed write is lost"):
            fail_over(pgc, wal_bound_s=0.5)
        assert server_running(pgc.writer_data) and pgc.writer_running
        with as_master() as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0] is False
            conn.execute("INSERT INTO t VALUES (2)")
            assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 2
        with pgc._admin("reader") as reader:
            assert reader.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
    finally:
        pgc.destroy()
        shutil.rmtree(root, ignore_errors=True)
