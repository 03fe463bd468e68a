"""FailoverDBCluster on the emulator's data plane: the standby becomes the writer, the old
writer is rebuilt as the new standby. No moto import here; moto_patches/rds.py wires this
into RDS's FailoverDBCluster.

Why the servers move rather than a proxy moving
------------------------------------------------
On Aurora the cluster (writer) and reader endpoints are DNS names that AWS points at
another instance when it fails over; the cluster endpoint "automatically follows the
primary instance in case of failover"
(https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Endpoints.Cluster.html).
In the emulator those endpoints are loopback IP:port pairs written once into the stack
outputs, and a PostgreSQL server listens directly on each (pgcluster.py: the writer on
`writer_host`, the reader on `reader_host`, role data directories `writer/` and `reader/`).
Two ways to make the endpoints follow a failover were weighed:

- a byte-level TCP forwarder per endpoint in the emulator process. It would keep the
  servers where they are and switch instantly, but every probe's bytes would then pass
  through Python threads, and an endpoint would keep *accepting* TCP connections while the
  server behind it is dead: a killed writer would look like "server closed the connection"
  instead of "connection refused", which the probes (and issue 7's fault drills) read as
  evidence;
- moving the server: the promoted standby's data directory takes the writer's slot and is
  started on the writer's address, and the rebuilt standby starts on the reader's address.

This module does the second. Every invariant of pgcluster.py holds after a failover (the
writer role's directory, address and socket are the writer's), a dead server is still a
refused connection, and the cost is one extra stop/start of the promoted server (a few
hundred milliseconds), measured by benchmarks/failover.py.

Planned failover loses no committed write
-----------------------------------------
1. The writer is stopped in fast mode: sessions end (Aurora drops the connections too:
   "make sure to clean up and re-establish any existing connections ... when the failover
   is complete", https://docs.aws.amazon.com/goto/WebAPI/rds/FailoverDBCluster), every
   committed transaction is flushed, and the shutdown checkpoint is written.
2. pg_controldata names that checkpoint's location; the standby must have replayed past it
   (within WAL_CATCH_UP_BOUND_S) before anything is promoted. If it has not, the failover is
   abandoned, the old writer is started again, and the error says so: nothing is lost.
3. The standby is promoted (`pg_ctl promote`, a new timeline), stopped, moved into the
   writer slot and started on the writer address.
4. The old writer's directory is discarded and a fresh base backup of the new writer is
   started as the standby on the reader address (pg_rewind would reuse the old files; for
   the emulator's small databases a base backup takes a fraction of a second and cannot
   carry a diverged history over).

When the writer is already dead
-------------------------------
There is no shutdown checkpoint to wait for: the standby is promoted with the WAL it had
received. The emulator streams asynchronously (and commits with synchronous_commit=off), so
a commit acknowledged by the dead writer in its last moments may be missing on the new
writer. Aurora does not lose those (its storage is shared across AZs, "without any loss of
data", https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html#Aurora.Managing.FaultTolerance);
the emulator cannot promise it, and FailoverReport.unplanned says so instead of hiding it.
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tapcheck.emulator.pgcluster import (
    PG_BIN,
    PgCluster,
    PgError,
    _as_pg,
    _run,
    release_interlock,
    server_running,
)

# How long the standby may take to replay the stopped writer's last WAL. On loopback it
# takes milliseconds; past this the standby is not keeping up and promoting it would lose
# committed writes.
WAL_CATCH_UP_BOUND_S = 10.0

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class FailoverError(PgError):
    """The failover did not happen; the message says why and what state the cluster is in."""


@dataclass
class FailoverReport:
    unplanned: bool  # the writer was not running: WAL it had not streamed is gone
    writer_stop_lsn: str | None  # the old writer's shutdown checkpoint (planned only)
    promoted_at_lsn: str  # what the standby had replayed when it was promoted
    writer_down_s: float  # old writer stopped -> new writer accepting connections
    total_s: float  # including the rebuild of the standby

    def summary(self) -> str:
        kind = "unplanned (the writer was not running)" if self.unplanned else "planned"
        return (
            f"{kind} failover: writer unavailable {self.writer_down_s:.2f} s, standby rebuilt, "
            f"{self.total_s:.2f} s in all; promoted at {self.promoted_at_lsn}"
        )


def _lock_for(pgc: PgCluster) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(pgc.dir), threading.Lock())


def _postmaster_pid(data: Path) -> int | None:
    try:
        return int((data / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _clear_dead_socket_lock(pgc: PgCluster, dead_pid: int | None) -> None:
    """A postmaster killed without shutting down leaves its Unix-socket lock file, and
    while its pid is an unreaped zombie a new postmaster takes the lock as held ("lock file
    ... already exists"). Remove the lock only when it names that dead postmaster."""
    sock = pgc._sock("writer")
    lock = sock / f".s.PGSQL.{pgc.port}.lock"
    try:
        holder = int(lock.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    if dead_pid is not None and holder == dead_pid:
        lock.unlink(missing_ok=True)
        (sock / f".s.PGSQL.{pgc.port}").unlink(missing_ok=True)


def shutdown_checkpoint(data: Path) -> str:
    """The location of a cleanly stopped server's shutdown checkpoint (pg_controldata)."""
    text = _run("pg_controldata", _as_pg([str(PG_BIN / "pg_controldata"), "-D", str(data)]))
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    state = fields.get("Database cluster state", "").strip()
    if state != "shut down":
        raise FailoverError(f"the writer did not shut down cleanly (cluster state '{state}')")
    return fields["Latest checkpoint location"].strip()


def _replayed_lsn(pgc: PgCluster) -> str:
    with pgc._admin("reader") as conn:
        return str(conn.execute("SELECT pg_last_wal_replay_lsn()").fetchone()[0])


def _wait_replayed_past(pgc: PgCluster, lsn: str, bound_s: float) -> str:
    """Wait until the standby has replayed the record that starts at `lsn` (its replay
    position is the end of the last record replayed, so strictly greater)."""
    deadline = time.monotonic() + bound_s
    with pgc._admin("reader") as conn:
        while True:
            done, replayed = conn.execute(
                "SELECT pg_last_wal_replay_lsn() > %s::pg_lsn, pg_last_wal_replay_lsn()", (lsn,)
            ).fetchone()
            if done:
                return str(replayed)
            if time.monotonic() > deadline:
                raise FailoverError(
                    f"the standby replayed only up to {replayed} within {bound_s:.0f} s, short of the writer's "
                    f"shutdown checkpoint at {lsn}; failover abandoned so that no committed write is lost"
                )
            time.sleep(0.01)


def _promote(pgc: PgCluster) -> None:
    _run(
        f"promote the standby of {pgc.name}",
        _as_pg([str(PG_BIN / "pg_ctl"), "promote", "-w", "-t", "30", "-D", str(pgc.reader_data)]),
        timeout=40,
    )


def fail_over(pgc: PgCluster, wal_bound_s: float = WAL_CATCH_UP_BOUND_S) -> FailoverReport:
    """Make the standby the writer and rebuild the old writer as the standby (see the
    module docstring). Raises FailoverError, with the cluster as it was, when it cannot."""
    with _lock_for(pgc):
        if not server_running(pgc.reader_data):
            raise FailoverError(f"{pgc.name}: the reader is not running, there is nothing to promote")
        started = time.monotonic()
        unplanned = not server_running(pgc.writer_data)
        stop_lsn = None
        if unplanned:
            pgc.writer_running = False
            _clear_dead_socket_lock(pgc, _postmaster_pid(pgc.writer_data))
        else:
            pgc.stop_writer()
            try:
                stop_lsn = shutdown_checkpoint(pgc.writer_data)
                _wait_replayed_past(pgc, stop_lsn, wal_bound_s)
            except PgError:
                pgc._start("writer")  # abandon: the old writer takes writes again
                pgc.writer_running = True
                raise
        promoted_at = _replayed_lsn(pgc)
        _promote(pgc)
        pgc.stop_reader()
        retired = pgc.dir / "retired-writer"
        shutil.rmtree(retired, ignore_errors=True)
        pgc.writer_data.rename(retired)
        pgc.reader_data.rename(pgc.writer_data)
        pgc.swap_instance_roles()
        pgc._start("writer")
        pgc.writer_running = True
        writer_down = time.monotonic() - started
        release_interlock(retired)  # a writer that died by SIGKILL left its segment
        shutil.rmtree(retired, ignore_errors=True)
        pgc.start_reader()
        return FailoverReport(
            unplanned=unplanned,
            writer_stop_lsn=stop_lsn,
            promoted_at_lsn=promoted_at,
            writer_down_s=writer_down,
            total_s=time.monotonic() - started,
        )
