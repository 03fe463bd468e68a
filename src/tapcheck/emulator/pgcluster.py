"""The emulator's data plane: one Aurora cluster = one real PostgreSQL 15 primary
(the writer instance) plus a hot standby streaming from it (the reader instance).

The writer and reader listen on two loopback addresses that share the cluster port,
as Aurora's writer and reader endpoints share one port. PostgreSQL refuses to run as
root, so when we are root every server command runs as the unprivileged `postgres`
user through runuser. Everything lives under one root directory that the emulator
removes on stop; `postmaster.pid` files under it let a crashed emulator be cleaned up.

Template values never become SQL text or file paths: a cluster's directory is named by an id
the emulator generates (its cluster identifier is only recorded inside it), identifiers reach
SQL through psycopg.sql.Identifier and values through sql.Literal, and only generated,
shell-safe text reaches pg_ctl's command line.
Servers are stopped by signalling the postmaster that postmaster.pid names only once it is
proven to be that data directory's postmaster (see processes.py).

No moto import here: this module only knows PostgreSQL.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from tapcheck.emulator import netns, processes

PG_BIN = Path(os.environ.get("TAPCHECK_PG_BIN", "/usr/lib/postgresql/15/bin"))
RUN_AS = "postgres"
# Written into every directory the emulator owns; nothing without it is ever removed.
ROOT_MARKER = ".tapcheck-emulator"
CLUSTER_MARKER = "cluster.json"
STOP_TIMEOUT_S = 10.0
# What may reach pg_ctl's shell command line: letters, digits, space and . _ / = - only.
_SHELL_SAFE = re.compile(r"[A-Za-z0-9 ._/=,-]+")

# Parameters from the cluster parameter group that are not PostgreSQL settings but
# are honoured by the emulator itself.
FORCE_SSL = "rds.force_ssl"

# Aurora's own superuser: the emulator administers through it (parameter groups, replication,
# failover, passwords), over the servers' unix sockets only; no probe sees it. The master user is
# not a superuser, as on Aurora: "CREATE ROLE postgres WITH LOGIN NOSUPERUSER INHERIT CREATEDB
# CREATEROLE NOREPLICATION VALID UNTIL 'infinity'", a member of rds_superuser, which may read every
# connection's pg_stat_activity row, stop any connection (pg_terminate_backend/pg_cancel_backend),
# and grant rds_replication and rds_password
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html).
# The same page's `\du` shows what rds_superuser is a member of:
#     rds_superuser | Cannot login | {pg_monitor,pg_signal_backend,rds_replication,rds_password}
# ("rds_superuser isn't a database user role (it can't login), but it has the privileges of many
# other roles"). pg_monitor "is a member of pg_read_all_settings, pg_read_all_stats and
# pg_stat_scan_tables" (https://www.postgresql.org/docs/15/predefined-roles.html): the master user
# reads every setting (SHOW data_directory included) and every pg_stat_activity row.
ADMIN_USER = "rdsadmin"
RDS_SUPERUSER_GRANTS = ("pg_monitor", "pg_signal_backend")
RDS_GRANTABLE_ROLES = ("rds_replication", "rds_password")
# Each server's own settings file, written by the emulator (not by ALTER SYSTEM, which PostgreSQL 15
# refuses for a custom name it has not loaded: "unrecognized configuration parameter", tried here):
# rds.force_ssl as a real setting `SHOW` answers (a cluster parameter on Aurora; docs silent on SHOW),
# and which instance identifiers the writer and the reader server play, for aurora_replica_status()
# (tapcheck.* names are the emulator's own; Aurora has no such setting and no probe reads one).
AURORA_CONF = "aurora.conf"
# aurora_replica_status()'s columns, in AWS's order
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_replica_status.html). The page
# gives no types: LSNs are bigint byte positions (so they compare as numbers), times timestamptz.
REPLICA_STATUS_COLUMNS = (
    "server_id text, session_id text, durable_lsn bigint, highest_lsn_rcvd bigint, current_read_lsn bigint, "
    "cur_replay_latency_in_usec bigint, active_txns bigint, is_current boolean, last_transport_error integer, "
    "last_error_timestamp timestamptz, last_update_timestamp timestamptz, feedback_xmin bigint, "
    "feedback_epoch integer, replica_lag_in_msec double precision, "
    "log_stream_speed_in_kib_per_second double precision, "
    "log_buffer_sequence_number bigint, oldest_read_view_trx_id bigint, oldest_read_view_lsn bigint, "
    "pending_read_ios bigint, read_ios bigint, iops integer, cpu double precision"
)
# PostgreSQL settings the emulator itself sets to run two servers of a cluster side by side on
# loopback (addresses, sockets, TLS files, replication, small memory); a parameter group value for
# them is recorded by the RDS API but not applied to the servers.
EMULATOR_OWNED = frozenset(
    {
        "port",
        "listen_addresses",
        "unix_socket_directories",
        "data_directory",
        "config_file",
        "hba_file",
        "ident_file",
        "external_pid_file",
        "ssl",
        "ssl_cert_file",
        "ssl_key_file",
        "wal_level",
        "max_wal_senders",
        "hot_standby",
        "fsync",
        "full_page_writes",
        "synchronous_commit",
        "max_connections",
        "shared_buffers",
        "primary_conninfo",
        "primary_slot_name",
        "restore_command",
        "archive_mode",
        "archive_command",
        "dynamic_shared_memory_type",
    }
)


# ADMIN_USER's password: generated per emulator process, known to it alone (every cluster of the
# process shares it: the clusters' data directories are copies of one initdb, see _initdb_template).
_ADMIN_PASSWORD = secrets.token_urlsafe(24)
_template_lock = threading.Lock()


# Settings of every emulated server, written into the initdb template (its clusters copy them).
_BASE_CONF = (
    "\n# tapcheck emulator\n"
    "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
    "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
    "max_connections = 30\nshared_buffers = 16MB\n"
    "wal_receiver_status_interval = 1s\nwal_writer_delay = 10ms\n"
    # Dynamic shared memory in files under the data directory (pg_dynshmem) rather than in
    # /dev/shm: a postmaster a drill kills with SIGKILL leaves its segments behind, and they go
    # with the cluster's directory (https://www.postgresql.org/docs/15/runtime-config-resource.html)
    "dynamic_shared_memory_type = mmap\n"
)


class PgError(RuntimeError):
    """A PostgreSQL step failed; the message says which and why."""


def pg_available() -> str | None:
    """None when the PostgreSQL 15 binaries are usable, else the reason they are not."""
    if not (PG_BIN / "initdb").exists():
        return (
            f"PostgreSQL 15 server binaries not found in {PG_BIN} (install them with scripts/install-postgres15.sh, "
            "or point TAPCHECK_PG_BIN at a PostgreSQL 15 bin directory)"
        )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(RUN_AS)
        except KeyError:
            return f"running as root but there is no '{RUN_AS}' user to run PostgreSQL as"
        if not shutil.which("runuser"):
            return "running as root but runuser is missing"
    return None


def _as_pg(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", RUN_AS, "--", *cmd]
    return cmd


def let_servers_through(root: Path) -> None:
    """The emulator's private directory stays private (0700) but for the servers' user, which must
    pass through it to its data directories: when we are root, group RUN_AS may search it (0710,
    no listing) and nobody else may enter."""
    if os.geteuid() == 0:
        os.chown(root, 0, pwd.getpwnam(RUN_AS).pw_gid)
        os.chmod(root, 0o710)
    else:
        os.chmod(root, 0o700)


def _chown(path: Path) -> None:
    if os.geteuid() == 0:
        pw = pwd.getpwnam(RUN_AS)
        os.chown(path, pw.pw_uid, pw.pw_gid)


def _run(step: str, cmd: list[str], timeout: float = 60, env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired:
        raise PgError(f"{step}: timed out after {timeout:.0f} s") from None
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise PgError(f"{step} failed: {detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    return proc.stdout


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


_alloc_lock = threading.Lock()
_taken: set[str] = set()
_octet = random.Random(os.getpid()).randrange(10, 250)


def allocate_addresses(port: int) -> tuple[str, str]:
    """Two loopback addresses on which `port` is free: (writer, reader)."""
    with _alloc_lock:
        for third in list(range(_octet, 251)) + list(range(10, _octet)):
            for fourth in range(1, 250, 2):
                writer, reader = f"127.0.{third}.{fourth}", f"127.0.{third}.{fourth + 1}"
                if writer in _taken or reader in _taken:
                    continue
                if _port_free(writer, port) and _port_free(reader, port):
                    _taken.update((writer, reader))
                    return writer, reader
    raise PgError(f"no free pair of loopback addresses for port {port}")


def release_addresses(*hosts: str) -> None:
    with _alloc_lock:
        _taken.difference_update(hosts)


def _conf_value(value: str) -> str:
    """A postgresql.conf string value: quoted, with quotes and backslashes escaped."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def mark_root(root: Path) -> None:
    """Mark `root` as the emulator's, so cleanup_root may remove it later."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ROOT_MARKER).write_text(str(os.getpid()) + "\n")


@dataclass
class PgCluster:
    """One emulated Aurora cluster's storage and its writer/reader servers."""

    root: Path
    name: str
    port: int
    master_user: str
    master_password: str
    database: str | None
    parameters: dict[str, str] = field(default_factory=dict)
    writer_host: str = ""
    reader_host: str = ""
    writer_running: bool = False
    reader_running: bool = False
    # With no reader instance left, the writer's server answers on the reader address too:
    # "If the cluster only contains a primary instance and no Aurora Replicas, the reader
    # endpoint connects to the primary instance. In that case, you can perform write operations
    # through the endpoint" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Endpoints.Reader.html).
    reader_endpoint_on_writer: bool = False
    # set when the stack deleting the cluster starts: its instances go first, nothing moves
    retiring: bool = False
    _applied: set[str] = field(default_factory=set)
    # Per role: settings changed in the configuration that the running server applies only after
    # a restart (pg_settings.pending_restart), i.e. RDS's "pending-reboot".
    pending_restart: dict[str, frozenset[str]] = field(default_factory=dict)
    # Names the cluster's directory; generated, never taken from the template.
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)
    # ADMIN_USER's password: generated, known to the emulator alone.
    admin_password: str = field(default=_ADMIN_PASSWORD, repr=False)
    # The cluster's EngineVersion, answered by aurora_version()
    engine_version: str = ""
    # "writer"/"reader" -> the DB instance identifier whose server plays it (aurora_replica_status)
    instance_ids: dict[str, str] = field(default_factory=dict)
    # The network namespace the servers run in when the emulator's network boundary is on (netns.py),
    # else None: they listen on the host's loopback.
    netns: str | None = None

    def __post_init__(self) -> None:
        self.dir = self.root / self.uid
        if self.netns is None and netns.enabled():
            self.netns = netns.name_for(self.uid)
        if not self.writer_host:
            self.writer_host, self.reader_host = allocate_addresses(self.port)

    # paths -------------------------------------------------------------------------
    @property
    def writer_data(self) -> Path:
        return self.dir / "writer"

    @property
    def reader_data(self) -> Path:
        return self.dir / "reader"

    def data(self, role: str) -> Path:
        return self.writer_data if role == "writer" else self.reader_data

    def _sock(self, role: str) -> Path:
        return self.dir / f"s{role[0]}"

    @property
    def force_ssl(self) -> bool:
        return str(self.parameters.get(FORCE_SSL, "0")).strip() in ("1", "true", "on")

    # lifecycle ---------------------------------------------------------------------
    def create(self) -> None:
        """initdb with the master user and password; TLS certificate; base settings."""
        if not (self.root / ROOT_MARKER).exists():
            mark_root(self.root)
        let_servers_through(self.root)
        self.dir.mkdir(mode=0o700)
        (self.dir / CLUSTER_MARKER).write_text(json.dumps({"cluster": self.name, "netns": self.netns}))
        if self.netns:
            netns.create(self.netns)
        _chown(self.dir)
        for role in ("writer", "reader"):
            sock = self._sock(role)
            sock.mkdir(mode=0o700)
            _chown(sock)
        self._write_passfile()
        # A copy of one initdb per emulator process: initdb costs about a second, a copy a few
        # hundredths; what differs between clusters (port, certificate, pg_hba) is written below.
        # The clusters of one emulator so share pg_control's system identifier; nothing reads it.
        _run(
            "copy of the initdb template",
            ["cp", "-a", str(_initdb_template(self.root, self.admin_password)), str(self.writer_data)],
        )
        self._make_certificate()
        conf = self.writer_data / "postgresql.conf"
        with conf.open("a") as f:
            f.write(
                f"port = {int(self.port)}\n"
                # RDS creates the cluster's TLS certificate with the cluster, so TLS is always
                # available; rds.force_ssl decides only whether plaintext is refused (pg_hba)
                # (https://repost.aws/knowledge-center/aurora-postgresql-ssl-certificates).
                "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n"
                f"include_if_exists = '{AURORA_CONF}'\n"
            )
        self._write_hba(self.writer_data)

    def _make_certificate(self) -> None:
        """The servers' certificate, issued by the emulator's CA (tls.py) for both endpoint addresses:
        the writer's and the reader's server (a copy of the writer's data directory) present it, and a
        client verifying against the emulator's CA (verify-full) accepts it for either endpoint."""
        from tapcheck.emulator import tls

        crt, key = self.writer_data / "server.crt", self.writer_data / "server.key"
        tls.issue_server_certificate(self.root, [self.writer_host, self.reader_host], crt, key, f"tapcheck-{self.uid}")
        _chown(key)
        _chown(crt)

    def _write_hba(self, data: Path) -> None:
        if self.force_ssl:
            net = (
                "hostssl all all 127.0.0.0/8 scram-sha-256\n"
                "hostssl replication all 127.0.0.0/8 scram-sha-256\n"
                "hostnossl all all 0.0.0.0/0 reject\n"
            )
        else:
            net = "host all all 127.0.0.0/8 scram-sha-256\nhost replication all 127.0.0.0/8 scram-sha-256\n"
        hba = data / "pg_hba.conf"
        # ADMIN_USER logs in over the unix sockets only; the network refuses it, as Aurora refuses
        # rdsadmin to its customers (AWS documents no rdsadmin login; docs silent on the wording).
        admin = f"host all {ADMIN_USER} 0.0.0.0/0 reject\nhost replication {ADMIN_USER} 0.0.0.0/0 reject\n"
        hba.write_text("local all all scram-sha-256\nlocal replication all scram-sha-256\n" + admin + net)
        _chown(hba)

    def _start(self, role: str) -> None:
        # The role's address and socket directory go on the server's command line, so that
        # whichever data directory serves a role listens where that role is. pg_ctl hands -o
        # to a shell: only generated, shell-safe text (an IP and our own paths) may go there.
        host = self.writer_host if role == "writer" else self.reader_host
        if role == "writer" and self.reader_endpoint_on_writer:
            host = f"{self.writer_host},{self.reader_host}"
        opts = f"-c listen_addresses={host} -c unix_socket_directories={self._sock(role)}"
        if not _SHELL_SAFE.fullmatch(opts) or not _SHELL_SAFE.fullmatch(str(self.dir)):
            raise PgError(f"start {role} of {self.name}: refusing unsafe characters in {opts!r}")
        self._write_aurora_conf(role)
        _run(
            f"start {role} of {self.name}",
            netns.inside(
                self.netns,
                _as_pg(
                    [
                        str(PG_BIN / "pg_ctl"),
                        "start",
                        "-w",
                        "-t",
                        "30",
                        "-D",
                        str(self.data(role)),
                        "-l",
                        str(self.dir / f"{role}.log"),
                        "-o",
                        opts,
                    ]
                ),
            ),
            timeout=40,
        )

    def _write_aurora_conf(self, role: str) -> None:
        """The server's Aurora settings (see AURORA_CONF): read at start and at every reload."""
        lines = {
            FORCE_SSL: "1" if self.force_ssl else "0",
            "tapcheck.engine_version": aurora_version_of(self.engine_version),
            "tapcheck.writer_instance": self.instance_ids.get("writer", ""),
            "tapcheck.reader_instance": self.instance_ids.get("reader", ""),
        }
        path = self.data(role) / AURORA_CONF
        path.write_text("".join(f"{name} = {_conf_value(value)}\n" for name, value in lines.items()))
        _chown(path)

    def swap_instance_roles(self) -> None:
        """After a failover the reader instance's server is the writer's, and the other way round."""
        ids = self.instance_ids
        self.instance_ids = {k: v for k, v in (("writer", ids.get("reader")), ("reader", ids.get("writer"))) if v}

    def start_writer(self) -> None:
        from psycopg import sql

        self._start("writer")
        self.writer_running = True
        with self._admin("writer") as conn:
            self._create_master_user(conn)
        # template1 first, so that DatabaseName (created from it) has Aurora's functions too
        for dbname in ("template1", "postgres"):
            with self._admin("writer", dbname) as conn:
                _create_aurora_functions(conn)
        with self._admin("writer") as conn:
            if self.database and self.database != "postgres":
                # RDS creates DatabaseName for the master user, who owns it
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(self.database), sql.Identifier(self.master_user)
                    )
                )
        self.apply_parameters(self.parameters)
        if self.pending_restart.get("writer"):
            # A new instance boots with its group's static values: nothing is pending at create.
            self.restart("writer")

    def _create_master_user(self, conn) -> None:
        """rds_superuser and the master user, as Aurora has them (see ADMIN_USER)."""
        from psycopg import sql

        for name in ("rds_superuser", *RDS_GRANTABLE_ROLES):
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name)))
        for granted in RDS_SUPERUSER_GRANTS:
            conn.execute(sql.SQL("GRANT {} TO rds_superuser").format(sql.Identifier(granted)))
        for granted in RDS_GRANTABLE_ROLES:
            conn.execute(sql.SQL("GRANT {} TO rds_superuser WITH ADMIN OPTION").format(sql.Identifier(granted)))
        conn.execute(
            sql.SQL(
                "CREATE ROLE {} WITH LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION "
                "VALID UNTIL 'infinity' PASSWORD {}"
            ).format(sql.Identifier(self.master_user), sql.Literal(self.master_password))
        )
        conn.execute(sql.SQL("GRANT rds_superuser TO {} WITH ADMIN OPTION").format(sql.Identifier(self.master_user)))

    def start_reader(self) -> None:
        if not self.writer_running:
            raise PgError(f"{self.name}: the reader needs a running writer to stream from")
        if self.reader_endpoint_on_writer:
            # a reader instance is back: the reader address is its server's again (the writer
            # restarts to let go of it; on Aurora the endpoint's DNS moves instead)
            self.reader_endpoint_on_writer = False
            self.restart("writer")
        env = dict(os.environ, PGPASSFILE=str(self.dir / "pgpass"))
        _run(
            f"pg_basebackup for reader of {self.name}",
            _as_pg(
                [
                    str(PG_BIN / "pg_basebackup"),
                    "-h",
                    str(self._sock("writer")),
                    "-p",
                    str(self.port),
                    "-U",
                    ADMIN_USER,
                    "-D",
                    str(self.reader_data),
                    "-R",
                    "-c",
                    "fast",
                    "-X",
                    "stream",
                    "-w",
                ]
            ),
            env=env,
        )
        self._start("reader")
        self.reader_running = True
        # the writer learns which instance its standby is (aurora_replica_status) at its next reload
        self._write_aurora_conf("writer")
        with self._admin("writer") as conn:
            conn.execute("SELECT pg_reload_conf()")

    def _stop(self, role: str) -> None:
        stop_postmaster(self.data(role))

    def restart(self, role: str) -> None:
        """Reboot one instance's server: settings pending a restart take effect."""
        if not (self.writer_running if role == "writer" else self.reader_running):
            raise PgError(f"{self.name}: the {role} is not running, there is nothing to reboot")
        self._stop(role)
        self._start(role)
        self._read_pending(role)

    def stop_reader(self) -> None:
        self._stop("reader")
        self.reader_running = False

    def serve_reader_endpoint_from_writer(self) -> None:
        """The last reader instance left: the reader address reaches the writer (restarted to
        listen there too; on Aurora the endpoint's DNS moves instead). Not while the cluster
        itself is being deleted (`retiring`), nor for a writer that is down: there is nothing to
        move the endpoint to. A restart applies every setting pending one, so none is left."""
        self.reader_endpoint_on_writer = True
        if self.retiring or not self.writer_running or not server_running(self.writer_data):
            return
        self._stop("writer")
        self._start("writer")
        self.pending_restart["writer"] = frozenset()

    def stop_writer(self) -> None:
        self._stop("writer")
        self.writer_running = False

    def destroy(self) -> None:
        """Stop both servers and remove all data (the cluster's storage is gone)."""
        for role in ("reader", "writer"):
            try:
                self._stop(role)
            except PgError:
                pass  # stop_postmaster already escalated to SIGKILL where it could prove the process
        self.writer_running = self.reader_running = False
        shutil.rmtree(self.dir, ignore_errors=True)
        release_addresses(self.writer_host, self.reader_host)
        if self.netns:
            netns.delete(self.netns)

    # settings ----------------------------------------------------------------------
    def _admin(self, role: str, dbname: str = "postgres"):
        import psycopg

        return psycopg.connect(
            host=str(self._sock(role)),
            port=self.port,
            user=ADMIN_USER,
            password=self.admin_password,
            dbname=dbname,
            autocommit=True,
            connect_timeout=10,
        )

    def apply_parameters(self, parameters: dict[str, str]) -> list[str]:
        """Apply a cluster parameter group to the running servers. Every setting is written to
        the configuration and the servers reload it: PostgreSQL applies the others at once and a
        `postmaster` setting only at the next start (pg_settings.pending_restart says which),
        which is RDS's dynamic/static split ("Changes to dynamic parameters are applied to the DB
        cluster immediately without a reboot. Changes to static parameters are applied only after
        the DB cluster is rebooted",
        https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBClusterParameterGroup.html;
        https://www.postgresql.org/docs/15/view-pg-settings.html). Returns the names written."""
        from psycopg import sql

        old_ssl = self.force_ssl
        self.parameters = dict(parameters)
        applied: list[str] = []
        for role, running in (("writer", self.writer_running), ("reader", self.reader_running)):
            if not running:
                continue
            if self.force_ssl != old_ssl or role == "writer":
                self._write_hba(self.data(role))
            self._write_aurora_conf(role)
            with self._admin(role) as conn:
                known = {
                    name: context for name, context in conn.execute("SELECT name, context FROM pg_settings").fetchall()
                }
                for name, value in sorted(self.parameters.items()):
                    if name in known and known[name] != "internal" and name not in EMULATOR_OWNED:
                        # ALTER SYSTEM takes no bind parameters: the value is quoted client-side.
                        # A value PostgreSQL refuses raises (the update then fails and rolls back).
                        conn.execute(
                            sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(str(value)))
                        )
                        applied.append(name)
                # A parameter no longer in the group falls back to the engine default.
                for name in sorted(self._applied - set(self.parameters)):
                    conn.execute(sql.SQL("ALTER SYSTEM RESET {}").format(sql.Identifier(name)))
                requested = conn.execute("SELECT clock_timestamp()").fetchone()[0]
                conn.execute("SELECT pg_reload_conf()")
            self._read_pending(role, requested)
        self._applied = set(applied)
        return sorted(set(applied))

    def _read_pending(self, role: str, reload_requested: object = None) -> None:
        """Ask the server which changed settings wait for a restart. pg_reload_conf() only
        signals the postmaster, so a new session is asked once the postmaster has reloaded
        (pg_conf_load_time() at or after the request; new sessions inherit its settings)."""
        import time

        deadline = time.monotonic() + 5.0
        while True:
            with self._admin(role) as conn:
                loaded = conn.execute("SELECT pg_conf_load_time()").fetchone()[0]
                if reload_requested is not None and loaded < reload_requested and time.monotonic() < deadline:
                    time.sleep(0.01)
                    continue
                rows = conn.execute("SELECT name FROM pg_settings WHERE pending_restart").fetchall()
            self.pending_restart[role] = frozenset(r[0] for r in rows)
            return

    def set_master_password(self, password: str) -> None:
        """ModifyDBCluster MasterUserPassword: the master user's password changes on the writer
        (the standby replays it)."""
        from psycopg import sql

        if not self.writer_running:
            raise PgError(f"{self.name}: the writer is not running, the password cannot change")
        with self._admin("writer") as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(self.master_user), sql.Literal(password))
            )
        self.master_password = password

    def _write_passfile(self) -> None:
        """The admin's password for the emulator's own replication connections (pg_basebackup,
        the standby's primary_conninfo written by -R)."""
        passfile = self.dir / "pgpass"
        passfile.write_text(f"*:*:*:{ADMIN_USER}:{self.admin_password}\n")  # token_urlsafe: no ':' or '\\'
        os.chmod(passfile, 0o600)
        _chown(passfile)


def server_running(data: Path) -> bool:
    """Whether the postmaster named by `data`/postmaster.pid is alive and is a postgres
    started on `data`. Not `pg_ctl status`: a killed postmaster that nobody reaped stays a
    zombie, which pg_ctl counts as running (kill(pid, 0) succeeds), and a stale pid file may
    name a pid reused by an unrelated process."""
    try:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        stat = Path(f"/proc/{pid}/stat").read_text()
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except (OSError, ValueError, IndexError):
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        return False
    return any(a == "-D" and b == str(data) for a, b in itertools.pairwise(args))


def aurora_version_of(engine_version: str) -> str:
    """aurora_version()'s answer: "a string formatted as major.minor.patch"; "Aurora version numbers
    follow PostgreSQL version numbers"
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_version.html).
    EngineVersion names major.minor only: the emulator does not know a patch and says 0."""
    parts = engine_version.split(".") if engine_version else []
    return ".".join(parts + ["0"] * (3 - len(parts))) if 0 < len(parts) < 3 else engine_version


def _create_aurora_functions(conn) -> None:
    """aurora_version() and aurora_replica_status(), made by ADMIN_USER in pg_catalog (so no
    search_path hides them and the master user cannot replace them) as SECURITY DEFINER functions,
    so that they read what only ADMIN_USER may (every column of pg_stat_replication and
    pg_stat_wal_receiver) and hand the master user the Aurora view of it.
    aurora_version: "Returns the string value of the Aurora PostgreSQL-Compatible Edition version
    number" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_version.html);
    here the cluster's EngineVersion (aurora_version_of). aurora_replica_status: one row per instance, the writer's
    session_id 'MASTER_SESSION_ID', a reader's a UUID
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_replica_status.html); the
    values come from the local streaming replication: durable_lsn is what the reader replayed
    (the writer's: its flushed WAL), highest_lsn_rcvd what the reader received, replica_lag_in_msec
    0 when the reader replayed all it knows the writer has, else the time since the last replayed
    commit. last_transport_error is 1 while the reader's WAL receiver is not streaming, else 0
    (Aurora does not document its codes). Columns Aurora marks "Not used" or that describe its
    storage (read IOs, CPU, log buffer) are NULL. Who may execute it: docs silent; granted to
    rds_superuser, whose member the master user is."""
    conn.execute("""
CREATE FUNCTION pg_catalog.aurora_version() RETURNS text LANGUAGE sql STABLE
SET search_path = pg_catalog
AS $$ SELECT nullif(current_setting('tapcheck.engine_version', true), '') $$""")
    conn.execute(f"""
CREATE FUNCTION pg_catalog.aurora_replica_status() RETURNS TABLE ({REPLICA_STATUS_COLUMNS})
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog
AS $$
DECLARE
  writer_id text := nullif(current_setting('tapcheck.writer_instance', true), '');
  reader_id text := nullif(current_setting('tapcheck.reader_instance', true), '');
  reader_session text := md5('tapcheck-reader:' || coalesce(reader_id, ''))::uuid::text;
BEGIN
  IF NOT pg_is_in_recovery() THEN
    RETURN QUERY SELECT writer_id, 'MASTER_SESSION_ID'::text, (pg_current_wal_flush_lsn() - '0/0'::pg_lsn)::bigint,
      NULL::bigint, (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint, NULL::bigint,
      (SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' OR
         (state = 'active' AND backend_type = 'client backend')),
      NULL::boolean, 0::integer, NULL::timestamptz, NULL::timestamptz, NULL::bigint, NULL::integer,
      NULL::double precision, NULL::double precision, NULL::bigint, NULL::bigint, NULL::bigint,
      NULL::bigint, NULL::bigint, NULL::integer, NULL::double precision;
    RETURN QUERY SELECT coalesce(reader_id, r.application_name), reader_session,
      (r.replay_lsn - '0/0'::pg_lsn)::bigint, (r.flush_lsn - '0/0'::pg_lsn)::bigint,
      (r.replay_lsn - '0/0'::pg_lsn)::bigint,
      (extract(epoch FROM r.replay_lag - coalesce(r.flush_lag, interval '0')) * 1e6)::bigint,
      NULL::bigint, NULL::boolean, CASE WHEN r.state = 'streaming' THEN 0 ELSE 1 END,
      NULL::timestamptz, r.reply_time, r.backend_xmin::text::bigint, NULL::integer,
      CASE WHEN r.replay_lsn >= pg_current_wal_flush_lsn() THEN 0::double precision
           ELSE extract(epoch FROM coalesce(r.replay_lag, interval '0')) * 1000 END,
      NULL::double precision, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
      NULL::integer, NULL::double precision
    FROM pg_stat_replication r WHERE r.application_name <> 'pg_basebackup';
  ELSE
    RETURN QUERY SELECT writer_id, 'MASTER_SESSION_ID'::text, (w.latest_end_lsn - '0/0'::pg_lsn)::bigint,
      NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::boolean, NULL::integer,
      NULL::timestamptz, w.latest_end_time, NULL::bigint, NULL::integer, NULL::double precision,
      NULL::double precision, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
      NULL::integer, NULL::double precision
    FROM (SELECT 1) one LEFT JOIN pg_stat_wal_receiver w ON true;
    RETURN QUERY SELECT reader_id, reader_session, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint,
      (pg_last_wal_receive_lsn() - '0/0'::pg_lsn)::bigint, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint,
      NULL::bigint,
      (SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' OR
         (state = 'active' AND backend_type = 'client backend')),
      NULL::boolean, CASE WHEN w.status = 'streaming' THEN 0 ELSE 1 END,
      CASE WHEN w.status IS DISTINCT FROM 'streaming' THEN clock_timestamp() END,
      NULL::timestamptz, NULL::bigint, NULL::integer,
      CASE WHEN w.latest_end_lsn IS NULL THEN NULL
           WHEN pg_last_wal_replay_lsn() >= greatest(w.latest_end_lsn, pg_last_wal_receive_lsn())
             THEN 0::double precision
           ELSE extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000 END,
      NULL::double precision, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint,
      NULL::integer, NULL::double precision
    FROM (SELECT 1) one LEFT JOIN pg_stat_wal_receiver w ON true;
  END IF;
END
$$""")
    conn.execute("REVOKE ALL ON FUNCTION pg_catalog.aurora_replica_status() FROM PUBLIC")
    conn.execute("GRANT EXECUTE ON FUNCTION pg_catalog.aurora_replica_status() TO rds_superuser")


def _initdb_template(root: Path, admin_password: str) -> Path:
    """A stopped, freshly initialised data directory under `root` (made once, by initdb, with
    ADMIN_USER and `admin_password`), which clusters copy."""
    digest = hashlib.sha256(admin_password.encode()).hexdigest()[:12]
    template = root / f"initdb-template-{digest}"
    with _template_lock:
        if template.is_dir():
            return template
        partial = root / f"initdb-template-{digest}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(mode=0o700)
        _chown(partial)
        pwfile = root / f"initdb-template-{digest}.pw"
        pwfile.write_text(admin_password + "\n")
        os.chmod(pwfile, 0o600)
        _chown(pwfile)
        try:
            _run(
                "initdb",
                _as_pg(
                    [
                        str(PG_BIN / "initdb"),
                        "-N",
                        "-D",
                        str(partial),
                        "-U",
                        ADMIN_USER,
                        f"--pwfile={pwfile}",
                        "--auth=scram-sha-256",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with (partial / "postgresql.conf").open("a") as f:
            f.write(_BASE_CONF)
        partial.rename(template)
        return template


def stop_postmaster(data: Path, timeout: float = STOP_TIMEOUT_S) -> str:
    """Stop the server of data directory `data`, signalling only its proven postmaster:
    fast shutdown (SIGINT, as `pg_ctl stop -m fast`), then immediate (SIGQUIT), then SIGKILL.
    A postmaster.pid naming no such postmaster is stale: it is removed and nothing is signalled.
    Returns what it did."""
    pid = processes.live_postmaster(data)
    if pid is None:
        if (data / "postmaster.pid").exists():
            released = release_interlock(data)
            (data / "postmaster.pid").unlink(missing_ok=True)
            return f"removed stale postmaster.pid in {data}" + (f" and {released}" if released else "")
        return ""
    ticks = processes.start_ticks(pid)
    for sig, wait in ((signal.SIGINT, timeout), (signal.SIGQUIT, 2.0), (signal.SIGKILL, 2.0)):
        if not processes.signal_postmaster(data, sig):
            break  # no longer the postmaster of `data`: it is gone
        # A stopped (SIGSTOP) postmaster acts on nothing until continued, so each shutdown
        # signal would otherwise wait out its whole bound; it gets SIGCONT, proven the same way.
        processes.signal_postmaster(data, signal.SIGCONT)
        if processes.wait_gone(pid, wait, ticks):
            released = release_interlock(data) if sig == signal.SIGKILL else None
            return (
                f"stopped PostgreSQL in {data}"
                + ("" if sig == signal.SIGINT else f" ({sig.name})")
                + (f", {released}" if released else "")
            )
    if processes.live_postmaster(data) == pid:
        raise PgError(f"PostgreSQL in {data} (pid {pid}) did not stop")
    return f"stopped PostgreSQL in {data}"


def release_interlock(data: Path) -> str | None:
    """Remove the System V shared memory segment a postmaster killed with SIGKILL left behind.
    A postmaster keeps a small System V segment as its data directory's interlock and removes it
    when it exits; SIGKILL gives it no chance. postmaster.pid's seventh line names the segment
    ("key shmid"; https://www.postgresql.org/docs/15/kernel-resources.html#SYSVIPC for the
    segment, src/include/utils/pidfile.h for the line). Only a segment with that key and id that no
    process has attached is removed. Returns what it did, or None."""
    try:
        fields = (data / "postmaster.pid").read_text().splitlines()[6].split()
        key, shmid = int(fields[0]), int(fields[1])
        rows = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    except (OSError, IndexError, ValueError):
        return None
    for row in rows:
        cols = row.split()  # key shmid perms size cpid lpid nattch ...
        if len(cols) > 6 and int(cols[1]) == shmid and int(cols[0]) == key and int(cols[6]) == 0:
            proc = subprocess.run(
                ["ipcrm", "-m", str(shmid)],
                capture_output=True,
                text=True,
                timeout=10,
                stdin=subprocess.DEVNULL,
                check=False,
            )
            return f"removed its shared memory segment {shmid}" if proc.returncode == 0 else None
    return None


def kill_postmaster(data: Path) -> None:
    """Last resort: SIGKILL the postmaster of `data`, if postmaster.pid is proven to name it."""
    pid = processes.live_postmaster(data)
    if pid is not None and processes.signal_postmaster(data, signal.SIGKILL) and processes.wait_gone(pid, 2.0):
        release_interlock(data)


def cluster_dirs(root: Path, cluster_id: str | None = None) -> list[Path]:
    """The emulator's cluster directories under `root` (for one cluster identifier, if given)."""
    out = []
    for marker in sorted(root.glob(f"*/{CLUSTER_MARKER}")):
        try:
            name = json.loads(marker.read_text()).get("cluster")
        except (OSError, ValueError):
            name = None
        if cluster_id is None or name == cluster_id:
            out.append(marker.parent)
    return out


def cleanup_root(root: Path) -> list[str]:
    """Stop every PostgreSQL whose data directory is under `root`, then remove `root`.
    Used by `emulator stop` when the server process is already gone. Returns what it did.
    A directory without the emulator's marker is left alone: the path came from a state file."""
    done: list[str] = []
    if not root.exists():
        return done
    if not (root / ROOT_MARKER).is_file():
        return [f"left {root} alone: it is not marked as a tapcheck emulator directory"]
    for pidfile in sorted(root.glob("*/*/postmaster.pid")):
        try:
            what = stop_postmaster(pidfile.parent, timeout=5.0)
        except PgError as e:
            what = str(e)
        if what:
            done.append(what)
    for marker in sorted(root.glob(f"*/{CLUSTER_MARKER}")):
        try:
            name = json.loads(marker.read_text()).get("netns")
        except (OSError, ValueError):
            name = None
        if name and netns.delete(str(name)):
            done.append(f"removed network namespace {name}")
    shutil.rmtree(root, ignore_errors=True)
    done.append(f"removed {root}")
    return done


def operator_connect(cluster_dir: Path, role: str, port: int, dbname: str = "postgres"):
    """A session of the emulator's own superuser (ADMIN_USER) on the server playing `role`, over its
    unix socket. For fault drills acting as the operator of the machine: Aurora gives its customers
    no such session, so a probe never uses it."""
    import psycopg

    password = (cluster_dir / "pgpass").read_text().strip().split(":", 4)[4]
    return psycopg.connect(
        host=str(cluster_dir / f"s{role[0]}"),
        port=port,
        user=ADMIN_USER,
        password=password,
        dbname=dbname,
        autocommit=True,
        connect_timeout=5,
    )
