"""C6 — probes: two AZs, a writer and a reader, the reader replicating and read-only."""

from __future__ import annotations

import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tapcheck import interrupts
from tapcheck.live.context import Context, Fail, expect, one_line
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
# --write-probes: the schema the write probe creates for one run (a random suffix) and drops after it
PROBE_SCHEMA_PREFIX = "tapcheck_probe_"
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
    expect(
        len(group["Subnets"]) == ZONES and len(azs) == ZONES,
        f"subnet group {name} covers AZs {azs} with {len(group['Subnets'])} subnet(s)",
    )
    # RDS keeps listing a subnet group's subnets; EC2 says whether they still exist, and where.
    ec2 = ctx.target.client("ec2")
    live = {}
    for s in group["Subnets"]:
        found = ec2.describe_subnets(Filters=[{"Name": "subnet-id", "Values": [s["SubnetIdentifier"]]}])["Subnets"]
        live[s["SubnetIdentifier"]] = found[0]["AvailabilityZone"] if found else None
    gone = sorted(k for k, az in live.items() if az is None)
    expect(not gone, f"subnet group {name} lists subnet(s) {gone}, which EC2 says do not exist")
    live_azs = sorted({az for az in live.values() if az is not None})
    expect(len(live_azs) == ZONES, f"the subnets of {name} are in AZs {live_azs} according to EC2")
    return f"AZs {azs}"


@probe("two-instances", title="two instances in two AZs: one writer, one reader")
def instances_azs(ctx: Context) -> str:
    expect(not ctx.missing_instances, f"the stack's DB instance(s) {ctx.missing_instances} no longer exist in RDS")
    members = ctx.cluster.get("DBClusterMembers") or []
    expect(len(members) == ZONES, f"the cluster has {len(members)} member(s)")
    expect(sum(1 for m in members if m.get("IsClusterWriter")) == 1, "the cluster does not have exactly one writer")
    azs = sorted({i.get("AvailabilityZone", "") for i in ctx.instances})
    expect(len(ctx.instances) == ZONES and len(azs) == ZONES, f"instances are in AZs {azs}")
    return f"writer + reader in {azs}"


@probe("two-instances", title="the writer endpoint reaches a primary, the reader endpoint a replica", plane="data")
def endpoint_roles(ctx: Context) -> str:
    with ctx.connect("writer") as writer:
        writer_recovering = writer.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        # default_transaction_read_only (server, database or role) makes a primary refuse writes too
        writer_read_only = writer.execute("SHOW transaction_read_only").fetchone()[0]
    with ctx.connect("reader") as reader:
        reader_recovering = reader.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    expect(writer_recovering is False, "the writer endpoint reaches a server in recovery (read-only)")
    expect(
        writer_read_only == "off",
        "the writer endpoint's sessions are read-only (transaction_read_only on: "
        "default_transaction_read_only is set for the server, the database or the role)",
    )
    expect(reader_recovering is True, "the reader endpoint reaches a primary, not a replica: no reader is serving")
    return "writer: primary taking writes; reader: replica in recovery"


@probe(
    "two-instances",
    title=f"the reader replicates the writer within {REPLICATION_BOUND_S:.0f} s "
    f"({REPLICATION_BOUND_LOCAL_S:.0f} s locally): aurora_replica_status() on both endpoints (read-only); with "
    "--write-probes, the local target's default, a row committed on the writer is seen on the reader",
    plane="data",
)
def replication(ctx: Context) -> str:
    bound = REPLICATION_BOUND_LOCAL_S if ctx.target.local else REPLICATION_BOUND_S
    if not ctx.may_write:
        return _replication_read_only(ctx, bound)
    return _replication_written(ctx, bound)


# --- read-only (the default on AWS) -------------------------------------------------------------------
def _replication_read_only(ctx: Context, bound: float) -> str:
    """What Aurora says of its readers, changing nothing: the cluster's reader instances
    (DescribeDBClusters DBClusterMembers: IsClusterWriter "Indicates whether the cluster member is the
    primary DB instance for the DB cluster", https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBClusterMember.html)
    each listed by aurora_replica_status() — "Displays the status of all Aurora PostgreSQL reader nodes",
    replica_lag_in_msec "Time that reader instance is lagging behind writer instance, in milliseconds",
    last_transport_error "Last replication error code"
    (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_replica_status.html) — on the
    writer and on the reader endpoint, with no transport error and a lag within the bound. Without a
    write it cannot see a reader that stopped applying while nothing new was written (e.g. a paused
    replay on an idle cluster): that takes --write-probes."""
    members = ctx.cluster.get("DBClusterMembers") or []
    readers = sorted(m["DBInstanceIdentifier"] for m in members if not m.get("IsClusterWriter"))
    expect(
        bool(readers),
        f"DescribeDBClusters lists no reader instance among {len(members)} member(s): nothing replicates the writer",
    )
    with ctx.connect("writer") as writer, ctx.connect("reader") as reader:
        views = {"writer": _replica_rows(writer), "reader": _replica_rows(reader)}
    problems, lags = [], []
    for instance in readers:
        known = []  # the lags the two views give (an instance may not know its own yet: NULL)
        for endpoint, rows in views.items():
            row = rows.get(instance)
            if row is None:
                problems.append(
                    f"aurora_replica_status() on the {endpoint} endpoint does not list reader {instance} "
                    f"(it lists {sorted(rows) or 'nothing'})"
                )
                continue
            lag, error = row["replica_lag_in_msec"], row["last_transport_error"]
            if error:
                problems.append(
                    f"on the {endpoint} endpoint, aurora_replica_status() gives reader {instance} "
                    f"last_transport_error {error} (its log stream from the writer is not running)"
                )
            if lag is not None and lag > bound * 1000:
                problems.append(
                    f"on the {endpoint} endpoint, reader {instance} lags {lag:.0f} ms, over {bound * 1000:.0f} ms"
                )
            elif lag is not None:
                known.append(lag)
        if not known and not problems:
            problems.append(f"neither endpoint's aurora_replica_status() gives reader {instance} a replica_lag_in_msec")
        lags += known
    if problems:
        raise Fail("; ".join(problems) + " (read-only; --write-probes also writes a row and reads it back)")
    return (
        f"read-only: aurora_replica_status() on both endpoints lists reader(s) {', '.join(readers)} replicating, "
        f"lag at most {max(lags):.0f} ms, no transport error (--write-probes writes a row and reads it back)"
    )


def _replica_rows(conn: Any) -> dict[str, dict[str, Any]]:
    """aurora_replica_status()'s reader rows on this connection, by server_id."""
    cursor = conn.execute(
        "SELECT server_id, replica_lag_in_msec, last_transport_error "
        "FROM aurora_replica_status() WHERE session_id <> 'MASTER_SESSION_ID'"
    )
    return {row[0]: {"replica_lag_in_msec": row[1], "last_transport_error": row[2]} for row in cursor.fetchall()}


# --- a row written and read back (--write-probes; the local target's default) -------------------------
def _replication_written(ctx: Context, bound: float) -> str:
    """A row committed on the writer, seen on the reader. Everything the probe writes lives in a
    schema it creates for the run under a random name and drops at the end, on every exit path: it
    never writes to an object it did not make, nor to one that has gained an owner other than the master
    user, a trigger, a rule or a row-level policy (each would run code, or redirect the write, as the
    master user: issue 21). Statements name pg_catalog first (search_path), so nobody's function or
    operator of the same name is picked up."""
    import psycopg
    from psycopg import sql

    token = uuid.uuid4().hex
    schema = f"{PROBE_SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    table = sql.Identifier(schema, PROBE_TABLE)
    with ctx.connect("reader") as reader, ctx.connect("writer") as writer:
        write = _bounded_writer(writer, WRITE_BOUND_LOCAL_S if ctx.target.local else WRITE_BOUND_S)
        writer.execute("SET search_path = pg_catalog, pg_temp")
        reader.execute("SET search_path = pg_catalog, pg_temp")
        # a read on the standby may wait for a lock its WAL replay holds: bounded like the whole wait
        reader.execute(f"SET statement_timeout = {int(bound * 1000)}")
        attempted = False
        error: BaseException | None = None
        try:
            attempted = True
            try:
                write(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            except psycopg.errors.DuplicateSchema:
                attempted = False  # someone else's: never touched, never dropped
                raise Fail(f"refused to write: a schema {schema} exists that this run did not create") from None
            write(
                sql.SQL("CREATE TABLE {} (token text PRIMARY KEY, at timestamptz DEFAULT pg_catalog.now())").format(
                    table
                )
            )
            _refuse_foreign(writer, schema)
            write(sql.SQL("INSERT INTO {} (token) VALUES (%s)").format(table), (token,))
            started = time.monotonic()
            select = sql.SQL("SELECT 1 FROM {} WHERE token = %s").format(table)
            while True:
                try:
                    row = reader.execute(select, (token,)).fetchone()
                except (
                    psycopg.errors.UndefinedTable,
                    psycopg.errors.InvalidSchemaName,
                    psycopg.errors.SerializationFailure,
                    psycopg.errors.QueryCanceled,
                ):
                    row = None  # not replicated yet, or replay cancelled the read, or it waited too long
                if row:
                    return (
                        f"a row written in the probe's own schema {schema} (dropped after) was visible on the "
                        f"reader after {(time.monotonic() - started) * 1000:.0f} ms"
                    )
                if time.monotonic() - started > bound:
                    raise Fail(
                        f"a row committed on the writer is not visible on the reader after {bound:.0f} s; "
                        f"{_replica_status(reader)}"
                    )
                time.sleep(0.02)
        except BaseException as e:
            error = e
            raise
        finally:
            if attempted:
                with interrupts.deferred():  # a signal now waits until the schema is gone, or that is said
                    left = _drop_schema(ctx, writer, schema)
                    if left:
                        print(f"tapcheck: the C6 write probe could not remove its schema: {left}", file=sys.stderr)
                if left and error is None:
                    raise Fail(f"the C6 write probe could not remove its schema: {left}")


def _refuse_foreign(conn: Any, schema: str) -> None:
    """Fail unless the probe's schema holds exactly its own table, owned by the master user, with no
    trigger, rule or row-level policy (something another role added would run as the master user)."""
    rows = conn.execute(
        "SELECT c.relname, pg_get_userbyid(c.relowner) = current_user, "
        "(SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = c.oid), "
        "(SELECT count(*) FROM pg_rewrite r WHERE r.ev_class = c.oid), "
        "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s",
        (schema,),
    ).fetchall()
    owner = conn.execute(
        "SELECT pg_get_userbyid(nspowner) = current_user FROM pg_namespace WHERE nspname = %s", (schema,)
    ).fetchone()
    tables = {
        name: (ours, triggers, rules, policies) for name, ours, triggers, rules, policies in rows if name == PROBE_TABLE
    }
    foreign = [name for name, *_ in rows if name not in (PROBE_TABLE, f"{PROBE_TABLE}_pkey")]
    ours, triggers, rules, policies = tables.get(PROBE_TABLE, (False, 0, 0, 0))
    if not (owner and owner[0]) or not ours or triggers or rules or policies or foreign:
        raise Fail(
            f"refused to write in {schema}: it is not only this run's own table (schema owned by the master "
            f"user: {bool(owner and owner[0])}, table owned by it: {ours}, triggers {triggers}, rules {rules}, "
            f"policies {policies}, other objects {foreign})"
        )


def _drop_schema(ctx: Context, writer: Any, schema: str) -> str | None:
    """Drop the probe's schema (if the master user owns it: a schema of that name owned by anyone else
    is not the probe's), through the probe's connection or, when that one is unusable (cancelled,
    broken), a new one. None when gone, else why not and the statement that removes it."""
    from psycopg import sql

    drop = sql.SQL(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {name} AND "
        "nspowner = (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)) THEN "
        "EXECUTE pg_catalog.format('DROP SCHEMA %I CASCADE', {name}); END IF; END $$"
    ).format(name=sql.Literal(schema))
    why = ""
    bound = WRITE_BOUND_LOCAL_S if ctx.target.local else WRITE_BOUND_S
    for attempt in range(2):
        try:
            # bounded as every write: a commit waiting for a synchronous standby returns once cancelled
            # (it committed locally; see WRITE_BOUND_S)
            if attempt == 0 and not writer.closed:
                with _cancelled_after(writer, bound):
                    writer.execute(drop)
            else:
                with ctx.connect("writer") as fresh, _cancelled_after(fresh, bound):
                    fresh.execute(drop)
            return None
        except Exception as e:  # noqa: BLE001 - said, with the statement that removes it
            why = f"{type(e).__name__}: {one_line(e)[:160]}"
    return f"{schema} ({why}); remove it with DROP SCHEMA {schema} CASCADE"


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
            raise Fail(
                f"a write on the writer endpoint did not finish within {bound:.0f} s and was cancelled: {one_line(e)}"
            ) from None
        hung = [w for w in warnings if "synchronous replication" in w]
        if hung:
            raise Fail(
                f"a commit on the writer endpoint waited for synchronous replication until cancelled after "
                f"{bound:.0f} s (is synchronous_standby_names naming a standby that never confirms?): {hung[0]}"
            )

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
            "FROM aurora_replica_status() WHERE session_id <> 'MASTER_SESSION_ID' ORDER BY server_id"
        ).fetchall()
    except Exception as e:  # noqa: BLE001 - a clue, never the verdict
        return f"aurora_replica_status() is unreadable on the reader ({type(e).__name__})"
    if not rows:
        return "aurora_replica_status() on the reader lists no reader instance"
    return "; ".join(_replica_clue(*row) for row in rows)


def _replica_clue(server_id, replayed, received, lag_ms, transport_error) -> str:
    said = (
        f"aurora_replica_status() says reader {server_id} received up to LSN {received}, replayed up to "
        f"{replayed}, lag {'unknown' if lag_ms is None else f'{lag_ms:.0f} ms'}"
    )
    if transport_error:
        said += f", last_transport_error {transport_error} (its log stream from the writer is not running)"
    if received is not None and replayed is not None and received > replayed:
        said += " (replay is behind what it received: paused or stuck)"
    return said


@probe(
    "two-instances",
    title="the reader endpoint refuses writes (a read-write transaction refused, nothing written)",
    plane="data",
)
def reader_read_only(ctx: Context) -> str:
    """A server in recovery refuses to start a read-write transaction — PostgreSQL's hot standby lists
    "SET TRANSACTION READ WRITE" among the commands a standby refuses
    (https://www.postgresql.org/docs/15/hot-standby.html#HOT-STANDBY-USERS) — so asking for one proves
    the reader takes no writes without writing anything; the transaction is rolled back either way."""
    import psycopg

    with ctx.connect("reader") as reader:
        reader.execute("BEGIN")
        try:
            reader.execute("SET TRANSACTION READ WRITE")
        except (psycopg.errors.FeatureNotSupported, psycopg.errors.ReadOnlySqlTransaction) as e:
            return f"read-write transaction refused: {one_line(e.diag.message_primary or e)}"
        finally:
            reader.execute("ROLLBACK")
    raise Fail("the reader endpoint accepted a read-write transaction: it would take writes")
