"""A live stack broken in ways only a live probe sees, failed deploys, unreachable
databases, missing stacks, and an emulator whose server died midway. These deploy extra
stacks, so they run on the local target only.

Fault drills (issue 7 §2, the second half of this file): each drill deploys its own stack,
breaks it the way an operator, an attacker or an accident would — on the servers (signals, SQL,
pg_hba.conf and postgresql.auto.conf edits followed by pg_reload_conf()) or through the AWS APIs
— and asserts that `smoke` exits 1 naming exactly the requirements the fault breaks, with no
skip. Nothing is restored: the fixture destroys the broken stack and checks that the destroy
succeeded and left nothing (issue 7 §4).

How a drill touches the servers: every statement goes through psycopg.sql (identifiers and
literals, never text built from template values); the postmaster it signals is the one the
writer or reader endpoint names in `SHOW data_directory`, proven by processes.live_postmaster
(command line, working directory, start time) and signalled through a pidfd; pg_ctl runs as the
`postgres` user; configuration files are edited in place (their owner is kept) and reloaded.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tapcheck.errors import UsageError


def pg_processes_under(root: str) -> list[int]:
    from tapcheck.emulator.control import processes_under

    return processes_under(root)


def unique_suffix(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:6]


@pytest.fixture
def template_doc(live_options) -> dict:
    return json.loads(Path(live_options.template).read_text())


def _deploy(target, path, suffix_prefix: str):
    from tapcheck.live import deploy

    name = f"tapcheck-{suffix_prefix}-{uuid.uuid4().hex[:6]}"
    deploy.deploy(target, path, name, {"EnvironmentSuffix": unique_suffix(suffix_prefix)})
    return name


def _smoke(target, name: str, only=None) -> tuple[int, str]:
    from tapcheck.live.smoke import smoke

    out = io.StringIO()
    rc = smoke(target, name, out=out, only=only)
    return rc, out.getvalue()


def test_parameter_group_changed_then_detached_after_deploy_fails_r7(local_target, live_options) -> None:
    """The static gate cannot see a cluster modified after deploy; the probes must."""
    from tapcheck.live import deploy
    from tapcheck.live.context import Context

    name = _deploy(local_target, live_options.template, "mod")
    try:
        rc, out = _smoke(local_target, name)
        assert rc == 0, out
        rds = local_target.client("rds")
        cluster = Context(local_target, name).cluster
        group = cluster["DBClusterParameterGroup"]

        rds.modify_db_cluster_parameter_group(
            DBClusterParameterGroupName=group,
            Parameters=[{"ParameterName": "log_statement", "ParameterValue": "none", "ApplyMethod": "immediate"}],
        )
        rc, out = _smoke(local_target, name)
        assert rc == 1, out
        failed = [line for line in out.splitlines() if line.startswith("FAIL")]
        assert any("R7" in line and "log_statement 'none'" in line for line in failed), out
        assert any("R7" in line and "[writer]" in line and "log_statement=none" in line for line in failed), out
        assert any("R7" in line and "[reader]" in line and "log_statement=none" in line for line in failed), out
        assert all("R7" in line for line in failed), out
        assert "failed requirements: R7, C5" in out

        rds.modify_db_cluster(
            DBClusterIdentifier=cluster["DBClusterIdentifier"],
            DBClusterParameterGroupName="default.aurora-postgresql15",
            ApplyImmediately=True,
        )
        rc, out = _smoke(local_target, name, only=["R7", "H1"])
        assert rc == 1, out
        assert "parameter_group - the cluster uses parameter group default.aurora-postgresql15, not the stack's" in out
        assert any(line.startswith("FAIL") and "force_ssl -" in line for line in out.splitlines()), out
        assert any(line.startswith("FAIL") and "tls[writer]" in line for line in out.splitlines()), out
    finally:
        deploy.destroy(local_target, name)


def test_template_with_log_statement_none_deploys_and_smoke_cli_names_r7(
    local_target, emulator, template_doc, tmp_path
) -> None:
    """Deploy never gates on the static checks; `tapcheck smoke` exits 1 naming R7."""
    from tapcheck.live import deploy

    doc = copy.deepcopy(template_doc)
    doc["Resources"]["DBClusterParameterGroup"]["Properties"]["Parameters"]["log_statement"] = "none"
    path = tmp_path / "log-none.json"
    path.write_text(json.dumps(doc))
    name = _deploy(local_target, path, "brk")
    try:
        env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
        proc = subprocess.run(
            [sys.executable, "-m", "tapcheck.cli", "smoke", "--stack-name", name],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert "failed requirements: R7, C5" in proc.stdout
        assert "log_statement_in_effect[writer] - the writer reports log_statement=none" in proc.stdout
        assert "PASS R1 " in proc.stdout  # only the broken requirement fails
    finally:
        deploy.destroy(local_target, name)


def test_failed_deploy_names_resource_and_reason_and_leaves_nothing(
    local_target, emulator, template_doc, tmp_path
) -> None:
    from tapcheck.live import deploy

    doc = copy.deepcopy(template_doc)
    doc["Resources"]["MonitoringRole"]["Properties"]["ManagedPolicyArns"] = [
        "arn:aws:iam::aws:policy/service-role/NoSuchPolicyForTapcheck"
    ]
    path = tmp_path / "bad-role.json"
    path.write_text(json.dumps(doc))
    suffix = unique_suffix("bad")
    name = f"tapcheck-bad-{suffix}"
    started = time.monotonic()
    with pytest.raises(deploy.DeployFailed) as info:
        deploy.deploy(local_target, path, name, {"EnvironmentSuffix": suffix})
    assert time.monotonic() - started < 30
    err = info.value
    assert err.resource == "MonitoringRole"
    assert "NoSuchPolicyForTapcheck does not exist or is not attachable" in err.reason
    assert err.status == "ROLLBACK_COMPLETE"
    # Nothing left: no stack, no cluster, no secret, no PostgreSQL for the cluster, no network.
    with pytest.raises(UsageError):
        deploy.describe(local_target, name)
    clusters = local_target.client("rds").describe_db_clusters()["DBClusters"]
    assert not [c for c in clusters if suffix in c["DBClusterIdentifier"]]
    secrets = local_target.client("secretsmanager").list_secrets()["SecretList"]
    assert not [s for s in secrets if suffix in s["Name"]]
    from tapcheck.emulator.pgcluster import cluster_dirs  # data directories are named by generated ids

    assert not cluster_dirs(Path(emulator["root"]), f"aurora-postgres-cluster-{suffix}")
    vpcs = local_target.client("ec2").describe_vpcs(Filters=[{"Name": "tag:tapcheck:network-for", "Values": [name]}])[
        "Vpcs"
    ]
    assert vpcs == []


def test_failed_deploy_cli_prints_resource_and_reason(local_target, emulator, template_doc, tmp_path) -> None:
    doc = copy.deepcopy(template_doc)
    doc["Resources"]["AuroraCluster"]["Properties"]["DBSubnetGroupName"] = "no-such-subnet-group"
    path = tmp_path / "bad-subnet-group.json"
    path.write_text(json.dumps(doc))
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tapcheck.cli",
            "deploy",
            str(path),
            "--stack-name",
            f"tapcheck-sg-{uuid.uuid4().hex[:6]}",
            "--param",
            f"EnvironmentSuffix={unique_suffix('sg')}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "resource AuroraCluster" in proc.stderr
    assert "no-such-subnet-group" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unreachable_database_fails_within_the_bound_on_the_local_target(live_stack) -> None:
    """On the local target nothing is outside the stack: a database that does not answer is a FAIL
    quoting the error, never a pass or a skip, and the probe gives up quickly."""
    import socket

    from tapcheck.findings import Status
    from tapcheck.live.context import CONNECT_TIMEOUT_S, Context
    from tapcheck.live.probing import run_probe, runs

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctx = Context(
        live_stack.target,
        live_stack.stack_name,
        db_host="127.0.0.1",
        db_port=port,
        db_reader_host="127.0.0.1",
        db_reader_port=port,
    )
    for run in [r for r in runs() if r.probe.plane == "data"]:
        result = run_probe(run, ctx)
        assert result.status is Status.FAIL, result.line()
        assert "does not answer" in result.detail and "Connection refused" in result.detail, result.line()
        assert result.seconds <= CONNECT_TIMEOUT_S + 1


def test_writer_override_without_reader_override_skips_reader_probes(live_stack) -> None:
    from tapcheck.findings import Status
    from tapcheck.live.context import Context
    from tapcheck.live.probing import run_probe, runs

    host, port = live_stack.endpoint()
    ctx = Context(live_stack.target, live_stack.stack_name, db_host=host, db_port=port)
    run = next(r for r in runs() if r.probe.name == "replication")
    result = run_probe(run, ctx)
    assert result.status is Status.SKIP and "--db-reader-host" in result.detail


def test_missing_stack_is_a_clear_error(target) -> None:
    from tapcheck.live.smoke import smoke

    with pytest.raises(UsageError) as info:
        smoke(target, "tapcheck-no-such-stack-" + uuid.uuid4().hex[:6], out=io.StringIO())
    assert "does not exist" in info.value.line()


def test_stop_after_server_died_midway_leaves_nothing(local_target, live_options, tmp_path) -> None:
    """A run that failed midway: the server is killed with clusters running. stop still
    removes every PostgreSQL process and the data directory."""
    from tapcheck.emulator import control
    from tapcheck.live import deploy
    from tapcheck.live.target import resolve

    state = tmp_path / "state.json"
    st = control.start(port=0, path=state, tie_to_caller=True)
    try:
        tgt = resolve("local", state=str(state))
        deploy.deploy(tgt, live_options.template, "tapcheck-crash", {"EnvironmentSuffix": unique_suffix("cr")})
        assert len(pg_processes_under(st["root"])) >= 2  # writer and reader postmasters
        os.kill(st["pid"], signal.SIGKILL)
        time.sleep(0.2)
    finally:
        done = control.stop(state)
    assert any("stopped PostgreSQL" in d for d in done), done
    assert not Path(st["root"]).exists()
    assert not pg_processes_under(st["root"])
    assert not state.exists()


# ==============================================================================================
# Fault drills
# ==============================================================================================

# The requirements whose probes log in to the database: a fault that keeps the probes from logging
# in to an endpoint fails all of them (they cannot look, and on the local target that is a FAIL).
DATA_PLANE = frozenset({"C4", "C5", "C6", "H1", "R1", "R6", "R7"})
# The C6 probes that log in to both endpoints, and the one that logs in to the reader alone.
BOTH_ENDPOINTS = frozenset({"endpoint_roles", "replication"})
READER_ONLY = frozenset({"reader_read_only"})
_PROBE_LINE = re.compile(r"^(PASS|FAIL|SKIP) +(\S+) +(\S+) - (.*)$")
_SUMMARY = re.compile(r"^smoke \S+: (\d+) passed, (\d+) failed, (\d+) skipped(?:; failed requirements: ([^(]*))?")


def drift(*checks: str) -> set[str]:
    """The drift probes of these checks (tapcheck.live.drift): a value changed through the AWS APIs
    also differs from the deployed template."""
    from tapcheck.live.drift.probe import probe_name

    return {probe_name(check) for check in checks}


def _runs() -> list:
    from tapcheck.live.probing import runs

    return runs()


def endpoint_probes(role: str) -> set[str]:
    """The probe runs that log in to `role` alone (per-endpoint probes), by their printed name."""
    return {r.name for r in _runs() if r.role == role}


def writer_side() -> set[str]:
    return endpoint_probes("writer") | BOTH_ENDPOINTS


def reader_side() -> set[str]:
    return endpoint_probes("reader") | BOTH_ENDPOINTS | READER_ONLY


def data_probes() -> set[str]:
    return {r.name for r in _runs() if r.probe.plane == "data"}


@dataclass
class Smoke:
    rc: int
    out: str

    @property
    def lines(self) -> list[tuple[str, str, str, str]]:
        return [m.groups() for m in map(_PROBE_LINE.match, self.out.splitlines()) if m]

    @property
    def failing(self) -> dict[str, str]:
        """Printed probe name -> detail, for every FAIL line."""
        return {name: detail for status, _, name, detail in self.lines if status == "FAIL"}

    @property
    def skipped(self) -> list[str]:
        return [name for status, _, name, _ in self.lines if status == "SKIP"]

    @property
    def failed_requirements(self) -> set[str]:
        summary = next(m for m in map(_SUMMARY.match, self.out.splitlines()) if m)
        return {q.strip() for q in (summary.group(4) or "").split(",") if q.strip()}


def assert_fails(
    smoke: Smoke, requirements: set[str] | frozenset[str], probes: set[str] | None = None, quoting: str | None = None
) -> None:
    """smoke exited 1 with no skip, naming exactly `requirements` in its summary line; when given,
    exactly `probes` failed, and each of them quotes `quoting`."""
    assert smoke.rc == 1, smoke.out
    assert smoke.skipped == [], smoke.out
    assert smoke.failed_requirements == set(requirements), smoke.out
    if probes is not None:
        assert set(smoke.failing) == set(probes), smoke.out
    if quoting is not None:
        quiet = [
            f"{name} - {detail}"
            for name, detail in smoke.failing.items()
            if (probes is None or name in probes) and quoting not in detail
        ]
        assert not quiet, f"these do not quote {quoting!r}: {quiet}"


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class BrokenStack:
    """A freshly deployed stack, and the means to break it. It remembers the secret as deployed,
    so a drill can still reach the servers as the master user after breaking the secret."""

    def __init__(self, target: Any, name: str, emulator_root: str) -> None:
        from tapcheck.emulator.pgcluster import cluster_dirs
        from tapcheck.live.context import ENDPOINT_ROLES, Context

        self.target, self.name = target, name
        self.ctx = Context(target, name)
        self.cluster_id = self.ctx.cluster["DBClusterIdentifier"]
        self.creds = dict(self.ctx.secret)
        self.endpoints = {role: self.ctx.endpoint(role) for role in ENDPOINT_ROLES}
        self.root = Path(emulator_root).resolve()
        self.cluster_dir = cluster_dirs(self.root, self.cluster_id)[0]

    # --- the servers, as their operator ---------------------------------------------------------
    def connect(self, role: str, dbname: str = "postgres") -> Any:
        """The emulator's own superuser on the server behind `role`, over its unix socket. The master
        user is not a superuser (as on Aurora), and a drill breaks the stack as the machine's operator
        would: ALTER SYSTEM, pg_hba.conf, promotion and role changes have no customer path on Aurora
        (the master user could make some of the role and database changes itself: see the drills)."""
        from tapcheck.emulator.pgcluster import operator_connect

        return operator_connect(self.cluster_dir, role, self.endpoints[role][1], dbname)

    def connect_as_master(self, role: str, dbname: str = "postgres") -> Any:
        """The master user through the endpoint, as a customer's DBA would."""
        import psycopg

        host, port = self.endpoints[role]
        return psycopg.connect(
            host=host,
            port=port,
            user=self.creds["username"],
            password=self.creds["password"],
            dbname=dbname,
            sslmode="require",
            autocommit=True,
            connect_timeout=5,
        )

    def run(self, role: str, statement: Any, params: tuple = ()) -> Any:
        with self.connect(role) as conn:
            cursor = conn.execute(statement, params or None)
            return cursor.fetchone() if cursor.description else None

    @property
    def master(self) -> Any:
        from psycopg import sql

        return sql.Identifier(self.creds["username"])

    @property
    def database(self) -> Any:
        from psycopg import sql

        return sql.Identifier(self.creds["dbname"])

    def reload(self, role: str) -> None:
        assert self.run(role, "SELECT pg_reload_conf()") == (True,)

    def data_directory(self, role: str) -> Path:
        """The data directory of the server behind `role`'s endpoint, as that server says, checked to
        be the emulator's and to play that role (a primary behind the writer, a standby behind the reader)."""
        with self.connect(role) as conn:
            data = Path(conn.execute("SHOW data_directory").fetchone()[0]).resolve()
            recovering = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        assert data.is_relative_to(self.cluster_dir.resolve()), f"{data} is not under {self.cluster_dir}"
        assert recovering is (role == "reader"), f"the {role} endpoint's server says pg_is_in_recovery {recovering}"
        return data

    def postmaster(self, role: str) -> tuple[Path, int]:
        """The data directory and the proven postmaster pid of the server behind `role`'s endpoint."""
        from tapcheck.emulator import processes

        data = self.data_directory(role)
        pid = processes.live_postmaster(data)
        assert pid is not None, f"no proven postmaster for {data}"
        return data, pid

    def signal_postmaster(self, role: str, sig: int) -> int:
        from tapcheck.emulator import processes

        data, pid = self.postmaster(role)
        assert processes.signal_postmaster(data, sig), f"could not signal the {role}'s postmaster {pid}"
        return pid

    def edit_config(self, role: str, filename: str, edit: Any) -> None:
        """Rewrite one of the server's configuration files in place (owner and mode kept), then reload."""
        path = self.data_directory(role) / filename
        path.write_text(edit(path.read_text()))
        self.reload(role)

    def prepend_hba(self, role: str, *lines: str) -> None:
        self.edit_config(role, "pg_hba.conf", lambda text: "".join(f"{line}\n" for line in lines) + text)

    # --- the AWS side ------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        return self.target.client(service)

    def one(self, rtype: str) -> str:
        return self.ctx.one(rtype)

    # --- the verdict -----------------------------------------------------------------------------
    def smoke(self) -> Smoke:
        from tapcheck.live.smoke import smoke

        out = io.StringIO()
        rc = smoke(self.target, self.name, out=out)
        return Smoke(rc, out.getvalue())


def _interlock_segments(cluster_dir: Path) -> set[int]:
    """The System V segments the cluster's postmasters hold or held (postmaster.pid's seventh line:
    key and id), a killed one's included."""
    found = set()
    for pidfile in cluster_dir.glob("*/postmaster.pid"):
        try:
            found.add(int(pidfile.read_text().splitlines()[6].split()[1]))
        except (OSError, IndexError, ValueError):
            pass
    return found


def test_data_plane_requirements_are_those_whose_probes_log_in() -> None:
    """The drills below name DATA_PLANE and the C6 probes explicitly; they must be what the
    registry declares, or a new probe would silently change what a fault is expected to fail."""
    data = [r for r in _runs() if r.probe.plane == "data"]
    assert {q for r in data for q in r.probe.requirements} == DATA_PLANE
    assert {r.name for r in data if r.role is None} == BOTH_ENDPOINTS | READER_ONLY


# --- the servers die, freeze or stop serving their role ---------------------------------------------


def test_writer_killed_fails_every_probe_that_logs_in_to_the_writer(stack, emulator) -> None:
    from tapcheck.emulator import processes

    pid = stack.signal_postmaster("writer", signal.SIGKILL)
    assert processes.wait_gone(pid, 5.0)
    env = dict(os.environ, TAPCHECK_EMULATOR_STATE=emulator["state"])
    proc = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "smoke", "--stack-name", stack.name],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    smoke = Smoke(proc.returncode, proc.stdout)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert_fails(smoke, DATA_PLANE, writer_side(), quoting="Connection refused")
    assert all("does not answer" in detail for detail in smoke.failing.values()), smoke.out


def test_standby_stopped_fails_every_probe_that_logs_in_to_the_reader(stack) -> None:
    from tapcheck.emulator.pgcluster import PG_BIN

    data = stack.data_directory("reader")
    subprocess.run(
        _as_postgres([str(PG_BIN / "pg_ctl"), "stop", "-D", str(data), "-m", "fast", "-w"]),
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert_fails(stack.smoke(), DATA_PLANE, reader_side(), quoting="Connection refused")


def test_writer_frozen_fails_its_probes_after_one_connect_timeout(stack) -> None:
    """A postmaster that accepts TCP but never answers (SIGSTOP): the first attempt waits out the
    connect timeout, every later one fails at once saying so."""
    stack.signal_postmaster("writer", signal.SIGSTOP)
    smoke = stack.smoke()
    assert_fails(smoke, DATA_PLANE, writer_side(), quoting="timeout expired")
    retried = [name for name, detail in smoke.failing.items() if "not retried" not in detail]
    assert len(retried) == 1, smoke.out


def test_reader_promoted_to_a_primary_fails_c6(stack) -> None:
    """The reader endpoint serving a primary: nothing replicates to it and it takes writes."""
    assert stack.run("reader", "SELECT pg_promote(true, 30)") == (True,)
    smoke = stack.smoke()
    assert_fails(smoke, {"C6"}, BOTH_ENDPOINTS | READER_ONLY)
    assert "reaches a primary, not a replica" in smoke.failing["endpoint_roles"]


def test_wal_replay_paused_on_the_standby_fails_c6(stack) -> None:
    # injected as the machine's operator (rdsadmin over the unix socket): pg_wal_replay_pause() is
    # superuser-only and Aurora offers no such fault; the probe detects it as the master user
    stack.run("reader", "SELECT pg_wal_replay_pause()")
    smoke = stack.smoke()
    assert_fails(smoke, {"C6"}, {"replication"}, quoting="replay is behind what it received")


def test_primary_conninfo_broken_on_the_standby_fails_c6(stack) -> None:
    from psycopg import sql

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    stack.run(
        "reader",
        sql.SQL("ALTER SYSTEM SET primary_conninfo = {}").format(
            sql.Literal(f"host=127.0.0.1 port={port} user={stack.creds['username']}")
        ),
    )
    stack.reload("reader")
    smoke = stack.smoke()
    assert_fails(smoke, {"C6"}, {"replication"}, quoting="not visible on the reader")
    # the clue is aurora_replica_status()'s, read as the master user
    assert "its log stream from the writer is not running" in smoke.failing["replication"], smoke.out


def test_writer_waiting_for_a_synchronous_standby_that_does_not_exist_fails_c6(stack) -> None:
    """Every commit on the writer hangs until cancelled: smoke must say so, not hang with it."""
    stack.run("writer", "ALTER SYSTEM SET synchronous_standby_names = 'nobody'")
    stack.run("writer", "ALTER SYSTEM SET synchronous_commit = 'on'")
    stack.reload("writer")
    assert_fails(stack.smoke(), {"C6"}, {"replication"}, quoting="waited for synchronous replication")


def test_writer_made_read_only_fails_c6(stack) -> None:
    stack.run("writer", "ALTER SYSTEM SET default_transaction_read_only = on")
    stack.reload("writer")
    smoke = stack.smoke()
    assert_fails(smoke, {"C6"}, BOTH_ENDPOINTS)
    assert "read-only" in smoke.failing["endpoint_roles"] and "refuses writes" in smoke.failing["replication"]


# --- the database and the master user stop accepting the secret's login ----------------------------


def test_database_not_accepting_connections_fails_every_login(stack) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(stack.database))
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting="is not currently accepting connections")


@pytest.mark.parametrize(
    "what, quoting", [("DATABASE", "too many connections for database"), ("ROLE", "too many connections for role")]
)
def test_connection_limit_zero_fails_every_login(stack, what, quoting) -> None:
    """The master user is not a superuser (as on Aurora), so PostgreSQL holds it to a CONNECTION LIMIT:
    every login fails with the server's words. (While the emulator's master was a superuser it was let
    past the limit, and only the login probe's catalogue check named R6.) The master user may set
    either limit itself: it owns the database and has CREATEROLE."""
    from psycopg import sql

    name = stack.database if what == "DATABASE" else stack.master
    with stack.connect_as_master("writer", stack.creds["dbname"]) as conn:
        conn.execute(sql.SQL("ALTER {} {} CONNECTION LIMIT 0").format(sql.SQL(what), name))
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting=quoting)


def test_master_role_connection_limit_reached_fails_the_writers_logins(stack) -> None:
    """A limit that is not 0 but is used up: the catalogue looks fine (rolconnlimit 1), the writer refuses
    the next login. Connection limits count per server, so the reader, where nothing is held, still logs
    in. Impossible to drill while the master was a superuser (exempt from connection limits)."""
    from psycopg import sql

    with stack.connect_as_master("writer", stack.creds["dbname"]) as conn:
        conn.execute(sql.SQL("ALTER ROLE {} CONNECTION LIMIT 1").format(stack.master))
    held = stack.connect_as_master("writer", stack.creds["dbname"])  # the one connection allowed
    try:
        assert_fails(stack.smoke(), DATA_PLANE, writer_side(), quoting="too many connections for role")
    finally:
        held.close()


def test_connect_revoked_from_public_and_from_the_master_fails_every_login(stack) -> None:
    """REVOKE CONNECT ON DATABASE ... FROM PUBLIC, and from the master user's own (owner's) grant: the
    master user is refused the database. A superuser master was exempt from database privileges; Aurora's
    is not. The master user can do this itself: it owns the database."""
    from psycopg import sql

    with stack.connect_as_master("writer", stack.creds["dbname"]) as conn:
        conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC, {}").format(stack.database, stack.master))
        held = conn.execute("SELECT has_database_privilege(current_user, current_database(), 'CONNECT')").fetchone()
    assert held == (False,)
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting="permission denied for database")


def test_database_renamed_fails_every_login(stack) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER DATABASE {} RENAME TO {}").format(stack.database, sql.Identifier("renamed")))
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting="does not exist")


def test_master_password_changed_fails_every_login(stack) -> None:
    from psycopg import sql

    stack.run(
        "writer",
        sql.SQL("ALTER ROLE {} PASSWORD {}").format(stack.master, sql.Literal("Changed-by-hand-" + uuid.uuid4().hex)),
    )
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting="password authentication failed")


def test_master_password_expired_fails_every_login(stack) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER ROLE {} VALID UNTIL {}").format(stack.master, sql.Literal("2001-01-01")))
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting="password authentication failed")


def test_master_role_without_login_fails_every_login(stack) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER ROLE {} NOLOGIN").format(stack.master))
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting="is not permitted to log in")


def test_writer_pg_hba_rejecting_logins_fails_every_probe_that_logs_in_to_the_writer(stack) -> None:
    stack.edit_config(
        "writer",
        "pg_hba.conf",
        lambda _: "local all all scram-sha-256\nlocal replication all scram-sha-256\nhost all all 0.0.0.0/0 reject\n",
    )
    assert_fails(stack.smoke(), DATA_PLANE, writer_side(), quoting="pg_hba.conf rejects connection")


def test_pg_hba_trusting_everyone_lets_a_wrong_password_in_and_fails_r6(stack) -> None:
    stack.prepend_hba("writer", "hostssl all all 127.0.0.0/8 trust")
    smoke = stack.smoke()
    assert_fails(smoke, {"R6", "C4"}, {"password_required[writer]"}, quoting="with a wrong password")


# --- the secret ---------------------------------------------------------------------------------


def _put_secret(stack: BrokenStack, text: str) -> None:
    stack.client("secretsmanager").put_secret_value(SecretId=stack.ctx.secret_arn, SecretString=text)


def test_secret_not_json_fails_r6_and_every_data_probe_says_it_could_not_log_in(stack) -> None:
    _put_secret(stack, "not json: " + uuid.uuid4().hex)
    smoke = stack.smoke()
    assert_fails(smoke, DATA_PLANE, data_probes() | {"secret"}, quoting="is not JSON")
    others = {
        name: detail for name, detail in smoke.failing.items() if not name.startswith(("secret", "login_with_secret"))
    }
    assert all(detail.startswith("could not log in to the") for detail in others.values()), smoke.out


def test_secret_without_password_fails_r6(stack) -> None:
    _put_secret(stack, json.dumps({k: v for k, v in stack.creds.items() if k != "password"}))
    assert_fails(stack.smoke(), DATA_PLANE, data_probes() | {"secret"}, quoting="has no key `password`")


def test_secret_with_another_password_fails_every_login(stack) -> None:
    other = "Not-the-password-" + uuid.uuid4().hex[:15]  # 32 characters, as generated
    _put_secret(stack, json.dumps({**stack.creds, "password": other}))
    assert_fails(stack.smoke(), DATA_PLANE, data_probes(), quoting="password authentication failed")


def test_secret_pointing_at_another_host_fails_r6(stack) -> None:
    """The probes reach the endpoints the stack names; only R6 reads the secret's host."""
    _put_secret(stack, json.dumps({**stack.creds, "host": "elsewhere.example.com"}))
    assert_fails(stack.smoke(), {"R6"}, {"secret"}, quoting="the secret's host is not the cluster endpoint")


def test_secret_deleted_fails_every_probe_that_reads_it(stack) -> None:
    stack.client("secretsmanager").delete_secret(SecretId=stack.ctx.secret_arn, ForceDeleteWithoutRecovery=True)
    smoke = stack.smoke()
    # C7 (the secret's key), R10 and S5 (its tags) cannot be judged on a secret that is gone either, nor
    # compared with the deployed template
    assert_fails(
        smoke,
        DATA_PLANE | {"C7", "R10", "S5"},
        data_probes()
        | {"secret", "aws_managed_keys", "tags"}
        | drift("secret-attached", "required-tags", "names-carry-suffix"),
    )
    assert "cannot be read (ResourceNotFoundException" in smoke.failing["login_with_secret[writer]"]


# --- TLS ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["writer", "reader"])
def test_plaintext_allowed_fails_h1(stack, role) -> None:
    stack.prepend_hba(role, "host all all 127.0.0.0/8 scram-sha-256")
    # the probe sends no password in plaintext: the server asking for one is the fault it names
    assert_fails(stack.smoke(), {"H1"}, {f"tls[{role}]"}, quoting="reach password authentication")


def test_plaintext_allowed_for_another_role_only_fails_h1(stack) -> None:
    from psycopg import sql

    stack.run(
        "writer",
        sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier("app"), sql.Literal("App-password-" + uuid.uuid4().hex)
        ),
    )
    stack.prepend_hba("writer", "host all app 127.0.0.0/8 scram-sha-256")
    smoke = stack.smoke()
    assert_fails(smoke, {"H1"}, {"tls[writer]"}, quoting="user 'app'")


def test_plaintext_allowed_to_another_database_only_fails_h1(stack) -> None:
    stack.prepend_hba("reader", "host postgres all 127.0.0.0/8 scram-sha-256")
    assert_fails(stack.smoke(), {"H1"}, {"tls[reader]"}, quoting="database 'postgres'")


def test_plaintext_replication_connections_allowed_fails_h1(stack) -> None:
    """pg_hba.conf matches physical replication connections by "replication" lines only."""
    stack.prepend_hba("writer", "host replication all 127.0.0.0/8 scram-sha-256")
    assert_fails(stack.smoke(), {"H1"}, {"tls[writer]"}, quoting="for replication")


def test_ssl_off_on_the_reader_fails_every_probe_that_logs_in_to_the_reader(stack) -> None:
    stack.run("reader", "ALTER SYSTEM SET ssl = off")
    stack.reload("reader")
    smoke = stack.smoke()
    assert_fails(smoke, DATA_PLANE, reader_side(), quoting="server does not support SSL")


def test_force_ssl_off_in_the_parameter_group_fails_h1(stack) -> None:
    stack.client("rds").modify_db_cluster_parameter_group(
        DBClusterParameterGroupName=stack.ctx.cluster["DBClusterParameterGroup"],
        Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "0", "ApplyMethod": "immediate"}],
    )
    assert_fails(stack.smoke(), {"H1"}, {"force_ssl", "tls[writer]", "tls[reader]"} | drift("force-ssl"))
    for role in ("writer", "reader"):  # the servers' own rds.force_ssl followed the group
        with stack.connect_as_master(role) as conn:
            assert conn.execute("SHOW rds.force_ssl").fetchone() == ("0",)


# --- log_statement ------------------------------------------------------------------------------

LOG_PROBES = {"log_statement_in_effect[writer]", "log_statement_in_effect[reader]"}


@pytest.mark.parametrize("role", ["writer", "reader"])
def test_log_statement_changed_with_alter_system_fails_r7(stack, role) -> None:
    """ALTER SYSTEM is allowed on a hot standby (it writes postgresql.auto.conf, no WAL) and, like on
    the writer, reaches only that server."""
    stack.run(role, "ALTER SYSTEM SET log_statement = 'none'")
    stack.reload(role)
    assert_fails(stack.smoke(), {"R7", "C5"}, {f"log_statement_in_effect[{role}]"}, quoting="log_statement=none")


def test_log_statement_edited_into_the_standbys_auto_conf_fails_r7(stack) -> None:
    stack.edit_config("reader", "postgresql.auto.conf", lambda text: text + "log_statement = 'mod'\n")
    assert_fails(stack.smoke(), {"R7", "C5"}, {"log_statement_in_effect[reader]"}, quoting="log_statement=mod")


def test_log_statement_overridden_for_the_master_role_fails_r7(stack) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER ROLE {} SET log_statement = 'none'").format(stack.master))
    assert_fails(stack.smoke(), {"R7", "C5"}, LOG_PROBES, quoting="log_statement=none")


def test_log_statement_overridden_for_the_database_fails_r7(stack) -> None:
    from psycopg import sql

    stack.run("writer", sql.SQL("ALTER DATABASE {} SET log_statement = 'ddl'").format(stack.database))
    assert_fails(stack.smoke(), {"R7", "C5"}, LOG_PROBES, quoting="log_statement=ddl")


def test_log_statement_overridden_for_another_role_in_the_database_fails_r7(stack) -> None:
    """The probes' own sessions still log everything: only pg_db_role_setting shows the override."""
    from psycopg import sql

    stack.run("writer", sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier("reporting")))
    stack.run(
        "writer",
        sql.SQL("ALTER ROLE {} IN DATABASE {} SET log_statement = 'none'").format(
            sql.Identifier("reporting"), stack.database
        ),
    )
    assert_fails(stack.smoke(), {"R7", "C5"}, LOG_PROBES, quoting="role reporting database")


def test_log_statement_overridden_for_all_roles_fails_r7(stack) -> None:
    stack.run("writer", "ALTER ROLE ALL SET log_statement = 'mod'")
    assert_fails(stack.smoke(), {"R7", "C5"}, LOG_PROBES, quoting="log_statement=mod")


def test_log_statement_all_written_in_capitals_is_all(stack) -> None:
    """Not a fault: enum values are case-insensitive, and pg_db_role_setting keeps 'ALL' as written."""
    from psycopg import sql

    stack.run("writer", sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier("shouty")))
    stack.run("writer", sql.SQL("ALTER ROLE {} SET log_statement = 'ALL'").format(sql.Identifier("shouty")))
    smoke = stack.smoke()
    assert smoke.rc == 0 and not smoke.failing and not smoke.skipped, smoke.out


# --- the network, the alarm, the logs, the instances: changed through the AWS APIs ------------------


def test_security_group_deleted_fails_s4(stack) -> None:
    stack.client("ec2").delete_security_group(GroupId=stack.ctx.parameters["VpcSecurityGroupId"])
    assert_fails(stack.smoke(), {"S4"}, {"security_group"}, quoting="does not exist")


def test_cluster_moved_to_another_security_group_fails_s4(stack) -> None:
    from tapcheck.live.deploy import NETWORK_TAG

    ec2 = stack.client("ec2")
    vpc = ec2.describe_security_groups(GroupIds=[stack.ctx.parameters["VpcSecurityGroupId"]])["SecurityGroups"][0][
        "VpcId"
    ]
    # tagged as the stack's network, so that destroy removes it with the VPC deploy made
    other = ec2.create_security_group(
        GroupName=f"{stack.name}-other",
        Description="not the stack's",
        VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": NETWORK_TAG, "Value": stack.name}]}],
    )["GroupId"]
    stack.client("rds").modify_db_cluster(
        DBClusterIdentifier=stack.cluster_id, VpcSecurityGroupIds=[other], ApplyImmediately=True
    )
    assert_fails(stack.smoke(), {"S4"}, {"security_group"} | drift("security-group"), quoting=other)


def test_subnet_deleted_fails_c6_and_s4(stack) -> None:
    stack.client("ec2").delete_subnet(SubnetId=stack.ctx.parameters["SubnetId2"])
    assert_fails(stack.smoke(), {"C6", "S4"}, {"subnet_azs", "security_group"}, quoting="do not exist")


def test_reader_instance_deleted_through_the_api_fails_c6(stack) -> None:
    reader = next(m["DBInstanceIdentifier"] for m in stack.ctx.cluster["DBClusterMembers"] if not m["IsClusterWriter"])
    stack.client("rds").delete_db_instance(DBInstanceIdentifier=reader)
    smoke = stack.smoke()
    # With no replica left the reader endpoint reaches the writer, as on Aurora (pgcluster.py
    # cites the page): C6's endpoint probes see a primary there. R10 cannot read the tags of an
    # instance that is gone, nor the drift probes compare what the template sets on it (R1, C1, S3, H5,
    # R10, S5).
    assert_fails(
        smoke,
        {"C6", "R10", "R1", "C1", "S3", "H5", "S5"},
        {"instances_azs", "endpoint_roles", "reader_read_only", "tags"}
        | drift(
            "serverless-instances",
            "instances-private",
            "engine-version",
            "enhanced-monitoring",
            "required-tags",
            "names-carry-suffix",
        ),
    )
    assert (
        f"({reader}) is gone (DescribeDBInstances says DBInstanceNotFound" in smoke.failing["drift_instances_private"]
    )
    assert reader in smoke.failing["instances_azs"]


def test_alarm_actions_disabled_fails_h4(stack) -> None:
    stack.client("cloudwatch").disable_alarm_actions(AlarmNames=[stack.one("AWS::CloudWatch::Alarm")])
    smoke = stack.smoke()
    assert_fails(smoke, {"H4"}, {"alarm_action", "alarm_delivers"} | drift("alarm-notifies"))
    assert "actions disabled" in smoke.failing["alarm_action"]


def test_topic_key_policy_without_cloudwatch_fails_h4(stack) -> None:
    kms, key = stack.client("kms"), stack.one("AWS::KMS::Key")
    policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    policy["Statement"] = [s for s in policy["Statement"] if "cloudwatch.amazonaws.com" not in json.dumps(s)]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps(policy))
    smoke = stack.smoke()
    assert_fails(smoke, {"H4"}, {"alarm_delivers"} | drift("alarm-topic-deliverable"))
    assert "does not have authorization to access the SNS topic encryption key" in smoke.failing["alarm_delivers"]


def test_topic_deleted_fails_h4(stack) -> None:
    stack.client("sns").delete_topic(TopicArn=stack.one("AWS::SNS::Topic"))
    smoke = stack.smoke()
    assert_fails(
        smoke,
        {"H4", "R10", "S5"},
        {"alarm_action", "alarm_delivers", "tags"}
        | drift("alarm-notifies", "alarm-topic-deliverable", "required-tags", "names-carry-suffix"),
    )
    assert "does not exist" in smoke.failing["alarm_action"]


def test_log_group_retention_removed_fails_h7(stack) -> None:
    stack.client("logs").delete_retention_policy(logGroupName=stack.one("AWS::Logs::LogGroup"))
    smoke = stack.smoke()
    assert_fails(smoke, {"H7"}, {"log_group"} | drift("postgresql-log-group"))
    assert "no retention" in smoke.failing["log_group"]
    assert "RetentionInDays is absent live, 365 in the deployed template" in smoke.failing["drift_postgresql_log_group"]


class DestroyFailed(Exception):
    """destroy of a broken stack failed (an xfail names this, so that a failed assertion is not hidden)."""


def test_log_group_deleted_fails_h7_and_destroy_still_succeeds(local_target, live_options) -> None:
    from tapcheck.live import deploy
    from tapcheck.live.context import Context

    name = _deploy(local_target, live_options.template, "lgd")
    logs = local_target.client("logs")
    group = Context(local_target, name).one("AWS::Logs::LogGroup")
    try:
        logs.delete_log_group(logGroupName=group)
        rc, out = _smoke(local_target, name)
        smoke = Smoke(rc, out)
        # R10 and S5: the group's tags cannot be read
        assert_fails(
            smoke,
            {"H7", "R10", "S5"},
            {"log_group", "tags"} | drift("postgresql-log-group", "required-tags", "names-carry-suffix"),
        )
        try:
            deploy.destroy(local_target, name)
        except deploy.DeployFailed as e:
            raise DestroyFailed(f"destroy after the fault failed ({e.status}): {e.resource}: {e.reason}") from None
    finally:
        if deploy.stack_status(local_target, name) not in (None, "DELETE_COMPLETE"):
            logs.create_log_group(logGroupName=group)  # only so that this test leaves nothing behind
            deploy.destroy(local_target, name)


def test_monitoring_role_policy_detached_fails_h5(stack) -> None:
    iam, role = stack.client("iam"), stack.one("AWS::IAM::Role")
    for policy in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=role, PolicyArn=policy["PolicyArn"])
    assert_fails(stack.smoke(), {"H5"}, {"enhanced_monitoring"} | drift("enhanced-monitoring"))


def test_iam_authentication_turned_off_fails_h2(stack) -> None:
    stack.client("rds").modify_db_cluster(
        DBClusterIdentifier=stack.cluster_id, EnableIAMDatabaseAuthentication=False, ApplyImmediately=True
    )
    assert_fails(stack.smoke(), {"H2"}, {"iam_auth"} | drift("iam-auth"))


def test_postgresql_log_export_turned_off_fails_s2(stack) -> None:
    stack.client("rds").modify_db_cluster(
        DBClusterIdentifier=stack.cluster_id,
        ApplyImmediately=True,
        CloudwatchLogsExportConfiguration={"DisableLogTypes": ["postgresql"]},
    )
    assert_fails(stack.smoke(), {"S2"}, {"log_exports"} | drift("postgresql-log-export"), quoting="[]")


def test_backup_retention_lowered_fails_r4_and_c3(stack) -> None:
    stack.client("rds").modify_db_cluster(
        DBClusterIdentifier=stack.cluster_id, BackupRetentionPeriod=1, ApplyImmediately=True
    )
    assert_fails(stack.smoke(), {"R4", "C3"}, {"backup_retention"} | drift("backup-retention"))


def test_instance_made_public_fails_s3(stack) -> None:
    instance = stack.ctx.cluster["DBClusterMembers"][0]["DBInstanceIdentifier"]
    stack.client("rds").modify_db_instance(
        DBInstanceIdentifier=instance, PubliclyAccessible=True, ApplyImmediately=True
    )
    smoke = stack.smoke()
    assert_fails(smoke, {"S3"}, {"instances_private"} | drift("instances-private"))
    assert "publicly accessible" in smoke.failing["instances_private"]


def test_maintenance_window_moved_fails_s1(stack) -> None:
    stack.client("rds").modify_db_cluster(
        DBClusterIdentifier=stack.cluster_id, ApplyImmediately=True, PreferredMaintenanceWindow="sun:04:00-sun:05:00"
    )
    assert_fails(stack.smoke(), {"S1"}, {"maintenance"} | drift("maintenance-window"), quoting="sun:04:00-sun:05:00")


def test_cluster_tag_removed_fails_r10(stack) -> None:
    stack.client("rds").remove_tags_from_resource(
        ResourceName=stack.ctx.cluster["DBClusterArn"], TagKeys=["Environment"]
    )
    smoke = stack.smoke()
    assert_fails(smoke, {"R10"}, {"tags"} | drift("required-tags"))
    assert "AuroraCluster (Environment=None)" in smoke.failing["tags"]
