"""C6 — probes: two AZs, a writer and a reader, the reader replicating and read-only."""

from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from typing import Any, Iterator

from tapcheck.live.context import Context, Fail, check, one_line
from tapcheck.requirements.unit import probe, values

ZONES = values(__file__)["availability_zones"]
# A row committed on the writer must be visible on the reader within this. Aurora replicas
# usually lag well under 100 ms (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Replication.html);
# the bound leaves room for a loaded machine.
REPLICATION_BOUND_S = 5.0
# Locally the standby streams from the writer over loopback (a row shows within tens of
# milliseconds on a 2-core machine): a longer wait only delays the verdict on a broken stream.
REPLICATION_BOUND_LOCAL_S = 2.0
PROBE_TABLE = "tapcheck_probe"
# A write on the writer returns within this, or tapcheck cancels it. A commit waiting for a
# synchronous standby that never confirms waits until cancelled, and statement_timeout does not
# cancel it (tried here with PostgreSQL 15: a 2 s statement_timeout left it waiting for minutes);
# a cancel request ends the wait with a WARNING ("canceling wait for synchronous replication ...",
# the transaction already committed locally: https://www.postgresql.org/docs/15/warm-standby.html#SYNCHRONOUS-REPLICATION).
# Without the bound a writer whose synchronous_standby_names names a missing standby hung smoke.
WRITE_BOUND_S = 10.0
WRITE_BOUND_LOCAL_S = 2.0


@probe("two-subnets", title="the subnet group spans two AZs, and its subnets exist")
def subnet_azs(ctx: Context) -> str:
    name = ctx.cluster.get("DBSubnetGroup")
    group = ctx.target.client("rds").describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    azs = sorted({s["SubnetAvailabilityZone"]["Name"] for s in group["Subnets"]})
    check(len(group["Subnets"]) == ZONES and len(azs) == ZONES, f"subnet group {name} covers AZs {azs} "
          f"with {len(group['Subnets'])} subnet(s)")
    # RDS keeps listing a subnet group's subnets; EC2 says whether they still exist, and where.
    ec2 = ctx.target.client("ec2")
    live = {}
    for s in group["Subnets"]:
        found = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [s["SubnetIdentifier"]]}])["Subnets"]
        live[s["SubnetIdentifier"]] = found[0]["AvailabilityZone"] if found else None
    gone = sorted(k for k, az in live.items() if az is None)
    check(not gone, f"subnet group {name} lists subnet(s) {gone}, which EC2 says do not exist")
    live_azs = sorted(set(live.values()))
    check(len(live_azs) == ZONES, f"the subnets of {name} are in AZs {live_azs} according to EC2")
    return f"AZs {azs}"


@probe("two-instances", title="two instances in two AZs: one writer, one reader")
def instances_azs(ctx: Context) -> str:
    check(not ctx.missing_instances, f"the stack's DB instance(s) {ctx.missing_instances} no longer exist in RDS")
    members = ctx.cluster.get("DBClusterMembers") or []
    check(len(members) == ZONES, f"the cluster has {len(members)} member(s)")
    check(sum(1 for m in members if m.get("IsClusterWriter")) == 1, "the cluster does not have exactly one writer")
    azs = sorted({i.get("AvailabilityZone") for i in ctx.instances})
    check(len(ctx.instances) == ZONES and len(azs) == ZONES, f"instances are in AZs {azs}")
    return f"writer + reader in {azs}"


@probe("two-instances", title="the writer endpoint reaches a primary, the reader endpoint a replica", plane="data")
def endpoint_roles(ctx: Context) -> str:
    with ctx.connect("writer") as writer:
        writer_recovering = writer.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        # default_transaction_read_only (server, database or role) makes a primary refuse writes too
        writer_read_only = writer.execute("SHOW transaction_read_only").fetchone()[0]
    with ctx.connect("reader") as reader:
        reader_recovering = reader.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    check(writer_recovering is False, "the writer endpoint reaches a server in recovery (read-only)")
    check(writer_read_only == "off", "the writer endpoint's sessions are read-only (transaction_read_only on: "
          "default_transaction_read_only is set for the server, the database or the role)")
    check(reader_recovering is True, "the reader endpoint reaches a primary, not a replica: no reader is serving")
    return "writer: primary taking writes; reader: replica in recovery"


@probe("two-instances", title=f"a row committed on the writer is visible on the reader within {REPLICATION_BOUND_S:.0f} s "
       f"({REPLICATION_BOUND_LOCAL_S:.0f} s locally)", plane="data")
def replication(ctx: Context) -> str:
    import psycopg

    token = uuid.uuid4().hex
    bound = REPLICATION_BOUND_LOCAL_S if ctx.target.local else REPLICATION_BOUND_S
    with ctx.connect("reader") as reader, ctx.connect("writer") as writer:
        write = _bounded_writer(writer, WRITE_BOUND_LOCAL_S if ctx.target.local else WRITE_BOUND_S)
        # a read on the standby may wait for a lock its WAL replay holds: bounded like the whole wait
        reader.execute(f"SET statement_timeout = {int(bound * 1000)}")
        write(f"CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (token text PRIMARY KEY, at timestamptz DEFAULT now())")
        write(f"INSERT INTO {PROBE_TABLE} (token) VALUES (%s)", (token,))
        started = time.monotonic()
        try:
            while True:
                try:
                    row = reader.execute(f"SELECT 1 FROM {PROBE_TABLE} WHERE token = %s", (token,)).fetchone()
                except (psycopg.errors.UndefinedTable, psycopg.errors.SerializationFailure,
                        psycopg.errors.QueryCanceled):
                    row = None  # not replicated yet, or replay cancelled the read, or it waited too long
                if row:
                    return f"visible on the reader after {(time.monotonic() - started) * 1000:.0f} ms"
                if time.monotonic() - started > bound:
                    raise Fail(f"a row committed on the writer is not visible on the reader after {bound:.0f} s; "
                               f"{_replica_status(reader)}")
                time.sleep(0.02)
        finally:
            write(f"DELETE FROM {PROBE_TABLE} WHERE token = %s", (token,))


def _bounded_writer(writer: Any, bound: float) -> Any:
    """A function running one write on the writer, cancelled when it has not returned within
    `bound`; Fail when the writer refuses writes, cannot finish one, or its commit had to be cut
    short while it waited for synchronous replication."""
    import psycopg

    warnings: list[str] = []
    writer.add_notice_handler(lambda notice: warnings.append(one_line(notice.message_primary or "")))

    def write(statement: str, params: tuple = ()) -> None:
        try:
            with _cancelled_after(writer, bound):
                writer.execute(statement, params or None)
        except psycopg.errors.ReadOnlySqlTransaction as e:
            raise Fail(f"the writer endpoint refuses writes: {one_line(e)}") from None
        except psycopg.errors.QueryCanceled as e:
            raise Fail(f"a write on the writer endpoint did not finish within {bound:.0f} s and was cancelled: "
                       f"{one_line(e)}") from None
        hung = [w for w in warnings if "synchronous replication" in w]
        if hung:
            raise Fail(f"a commit on the writer endpoint waited for synchronous replication until cancelled after "
                       f"{bound:.0f} s (is synchronous_standby_names naming a standby that never confirms?): {hung[0]}")

    return write


@contextmanager
def _cancelled_after(conn: Any, seconds: float) -> Iterator[None]:
    """Cancel what `conn` runs (a cancel request, as psql's Ctrl-C) if it has not returned in `seconds`."""
    timer = threading.Timer(seconds, conn.cancel_safe)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _replica_status(reader) -> str:
    """What the reader reports in aurora_replica_status(), Aurora's documented view of its replicas
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_replica_status.html; the
    emulator computes it from its streaming replication): a clue for a replication failure, never the
    verdict, and the same query on both targets (PostgreSQL's pg_stat_wal_receiver describes only the
    local mechanism: Aurora replicas read the shared storage)."""
    try:
        rows = reader.execute(
            "SELECT server_id, durable_lsn, highest_lsn_rcvd, replica_lag_in_msec, last_transport_error "
            "FROM aurora_replica_status() WHERE session_id <> 'MASTER_SESSION_ID' ORDER BY server_id").fetchall()
    except Exception as e:  # noqa: BLE001 - a clue, never the verdict
        return f"aurora_replica_status() is unreadable on the reader ({type(e).__name__})"
    if not rows:
        return "aurora_replica_status() on the reader lists no reader instance"
    return "; ".join(_replica_clue(*row) for row in rows)


def _replica_clue(server_id, replayed, received, lag_ms, transport_error) -> str:
    said = (f"aurora_replica_status() says reader {server_id} received up to LSN {received}, replayed up to "
            f"{replayed}, lag {'unknown' if lag_ms is None else f'{lag_ms:.0f} ms'}")
    if transport_error:
        said += f", last_transport_error {transport_error} (its log stream from the writer is not running)"
    if received is not None and replayed is not None and received > replayed:
        said += " (replay is behind what it received: paused or stuck)"
    return said


@probe("two-instances", title="the reader endpoint refuses writes", plane="data")
def reader_read_only(ctx: Context) -> str:
    import psycopg

    with ctx.connect("reader") as reader:
        try:
            reader.execute("CREATE TABLE tapcheck_ro_probe (x int)")
        except psycopg.errors.ReadOnlySqlTransaction as e:
            return f"write refused: {type(e).__name__}"
        reader.execute("DROP TABLE IF EXISTS tapcheck_ro_probe")
    raise Fail("the reader endpoint accepted a write")
