"""`tapcheck drill failover`: force a failover of a deployed stack's cluster while writing,
and check that C6 ("two AZs": the cluster survives the loss of one instance) holds live.

While a thread commits rows through the writer endpoint (one INSERT per statement in
autocommit; an id counts as committed only once its COMMIT returned; on any error it
reconnects), the drill calls RDS FailoverDBCluster, which AWS documents for exactly this:
"To simulate a failure of a primary instance for testing, you can force a failover"
(https://docs.aws.amazon.com/goto/WebAPI/rds/FailoverDBCluster). Then it checks:

- describe_db_clusters names another instance as the writer (DBClusterMembers[].IsClusterWriter);
- the writer endpoint takes writes again within WRITER_RECOVERY_BOUND_S;
- every row whose COMMIT returned is on the server now behind the writer endpoint (zero
  committed-write loss), and locally that server is the promoted one (its timeline moved on);
- the reader endpoint serves a standby that replicates from the new writer within
  READER_BOUND_S.

It prints the measured write-unavailability window (the longest gap between two committed
writes). Exit 0 when every check holds, 1 when one fails (naming C6), 2 when the drill could
not run. On AWS the drill disrupts a live cluster, so it refuses unless the stack's name is
repeated (--confirm-stack NAME, or typed at a prompt).

The drill acts only on the stack's own resources: the cluster and the secret are the stack's
ListStackResources physical ids, the endpoints the cluster's own (DescribeDBClusters); a stack
output naming any other cluster, secret, endpoint or port is refused before anything is touched
(a stack's outputs are whatever its template says, and could name another stack's cluster).
"""

from __future__ import annotations

import contextlib
import itertools
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tapcheck.errors import UsageError
from tapcheck.live.target import Target

REQ = "C6"

# AWS: after a failure event the service "is typically restored in less than 60 seconds, and
# often less than 30 seconds" (the 2023 rewrite of the page replaced "120 seconds"; NOTES
# 2026-12-07)
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Concepts.AuroraHighAvailability.html#Aurora.Managing.FaultTolerance),
# and clients find the new writer through DNS: "Currently, Aurora DNS zones use a short
# Time-To-Live (TTL) of five seconds."
# (https://docs.aws.amazon.com/whitepapers/latest/amazon-aurora-mysql-db-admin-handbook/dns-caching.html).
# Locally the emulator promotes in well under a second (benchmarks/failover.py); 10 s
# leaves room for a loaded CI machine while still catching a failover that hangs.
WRITER_RECOVERY_BOUND_S = {"aws": 60.0 + 5.0, "local": 10.0}
# The reader endpoint needs the old writer back as a standby: on AWS the demoted instance
# restarts within the same documented failover time; locally a base backup is taken.
READER_BOUND_S = {"aws": 60.0 + 5.0, "local": 15.0}
# Writes must succeed for this long after the last failed one before the drill stops
# writing: on AWS a cached DNS answer can send a new connection to the old writer for one
# TTL (5 s, page above).
STABLE_S = {"aws": 10.0, "local": 1.0}
CONNECT_TIMEOUT_S = {"aws": 5, "local": 2}
WARMUP_COMMITS = 20
WARMUP_BOUND_S = 10.0


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0  # how long reaching this verdict took (since the drill's previous one)

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'} {REQ}  {self.name} - {self.detail}"


@dataclass
class DrillResult:
    stack_name: str
    cluster_id: str
    old_writer: str
    new_writer: str | None = None
    committed: int = 0
    lost: list[int] = field(default_factory=list)
    window_s: float = 0.0
    failed_writes: int = 0
    api_s: float | None = None  # how long FailoverDBCluster took to answer
    recovery_s: float | None = None  # FailoverDBCluster called -> first write of the steady run after it
    checks: list[Check] = field(default_factory=list)
    _since: float = field(default_factory=lambda: time.monotonic(), repr=False)  # the previous verdict, or the start

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def record(self, name: str, ok: bool, detail: str) -> bool:
        """Keep one check's verdict, timed since the previous one; returns `ok`."""
        now = time.monotonic()
        self.checks.append(Check(name, ok, detail, now - self._since))
        self._since = now
        return ok


@dataclass
class Endpoint:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class _Database:
    """How to log in to the stack's cluster: the cluster's own endpoints, credentials from the
    stack's secret, the server verified before the password goes out (live/tls.py)."""

    def __init__(
        self, target: Target, writer: Endpoint, reader: Endpoint, creds: dict[str, Any], dbname: str, ca_bundle: str
    ):
        from tapcheck.live import tls

        self.target, self.writer, self.reader, self.creds, self.dbname = target, writer, reader, creds, dbname
        self.verified = tls.verified(ca_bundle)

    def connect(self, endpoint: Endpoint) -> Any:
        import psycopg

        # verify-full against the CA bundle, SCRAM only: the password never goes in clear nor to a
        # server that did not prove itself
        return psycopg.connect(
            host=endpoint.host,
            port=endpoint.port,
            user=self.creds["username"],
            password=self.creds["password"],
            dbname=self.dbname,
            autocommit=True,
            **self.verified,
            connect_timeout=CONNECT_TIMEOUT_S[self.target.name],
            # A server that vanished mid-statement must not hang the loop (Linux, libpq >= 12).
            tcp_user_timeout=CONNECT_TIMEOUT_S[self.target.name] * 1000,
        )


class _WriteLoad(threading.Thread):
    """Commits one row per statement through the writer endpoint until stopped."""

    def __init__(self, db: _Database, table: str) -> None:
        super().__init__(daemon=True, name="tapcheck-drill-writes")
        self.db, self.table = db, table
        self.commits: list[tuple[int, float]] = []  # (id, when its COMMIT returned)
        self.failures: list[tuple[float, str]] = []
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def run(self) -> None:
        from psycopg import sql

        insert = sql.SQL("INSERT INTO {} (id) VALUES (%s)").format(sql.Identifier(self.table))
        conn = None
        next_id = 1
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = self.db.connect(self.db.writer)
                row_id, next_id = next_id, next_id + 1
                conn.execute(insert, (row_id,))
                with self._lock:
                    self.commits.append((row_id, time.monotonic()))
            except Exception as e:  # noqa: BLE001 - every error means "not committed, reconnect"
                with self._lock:
                    self.failures.append((time.monotonic(), " ".join(str(e).split())[:200]))
                if conn is not None:
                    with contextlib.suppress(Exception):  # the connection is being dropped either way
                        conn.close()
                conn = None
                self.stop.wait(0.02)
        if conn is not None:
            conn.close()

    def snapshot(self) -> tuple[list[tuple[int, float]], list[tuple[float, str]]]:
        with self._lock:
            return list(self.commits), list(self.failures)


def _stack_parts(target: Target, stack_name: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    from tapcheck.live import deploy

    stack = deploy.describe(target, stack_name)
    status = stack["StackStatus"]
    if not status.endswith("_COMPLETE") or status.startswith(("ROLLBACK", "DELETE")):
        raise UsageError(f"stack {stack_name}", f"is {status}", "deploy it again")
    cfn = target.client("cloudformation")
    resources: dict[str, list[str]] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack["StackId"]):
        for r in page["StackResourceSummaries"]:
            resources.setdefault(r["ResourceType"], []).append(r["PhysicalResourceId"])
    return deploy.outputs_of(stack), resources


def _one(resources: dict[str, list[str]], rtype: str, stack_name: str) -> str:
    ids = resources.get(rtype) or []
    if len(ids) != 1:
        raise UsageError(
            f"stack {stack_name}",
            f"has {len(ids)} {rtype} resources, the drill needs exactly one",
            "drill a stack with one Aurora cluster and one secret",
        )
    return ids[0]


def _foreign_outputs(outputs: dict[str, str], cluster_id: str, secret_id: str, cluster: dict[str, Any]) -> list[str]:
    """The stack's outputs that name something other than the stack's own cluster, secret, endpoints
    and port: `KEY (names X, not the stack's Y)` for each."""
    own = {
        "ClusterIdentifier": cluster_id,
        "DatabaseSecretArn": secret_id,
        "ClusterEndpoint": cluster.get("Endpoint"),
        "ClusterReaderEndpoint": cluster.get("ReaderEndpoint"),
        "ClusterPort": str(cluster.get("Port")) if cluster.get("Port") is not None else None,
    }
    # RDS keeps cluster identifiers and endpoints in lowercase ("stored as a lowercase string",
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html); an ARN is exact.
    folded = {"ClusterIdentifier", "ClusterEndpoint", "ClusterReaderEndpoint"}
    foreign = []
    for key, mine in own.items():
        named = outputs.get(key)
        if named is None:
            continue
        same = mine is not None and (named.lower() == str(mine).lower() if key in folded else named == str(mine))
        if not same:
            foreign.append(f"{key} (names {named}, not the stack's own {mine or 'nothing'})")
    return foreign


def _credentials(target: Target, secret_id: str, stack_name: str) -> dict[str, Any]:
    from tapcheck.live.secret_shape import MalformedSecret, credentials

    value = target.client("secretsmanager").get_secret_value(SecretId=secret_id)
    try:
        return credentials(value.get("SecretString"))
    except MalformedSecret as e:  # its shape only: no part of the value is ever quoted
        raise UsageError(
            f"stack {stack_name}",
            f"its secret {secret_id} {e.shape}",
            "run `tapcheck smoke` (R6) and repair the secret",
        ) from None


def _writer_of(cluster: dict[str, Any]) -> str | None:
    return next(
        (m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers") or [] if m.get("IsClusterWriter")), None
    )


def _describe(target: Target, cluster_id: str) -> dict[str, Any]:
    return target.client("rds").describe_db_clusters(DBClusterIdentifier=cluster_id)["DBClusters"][0]


def _timeline(conn: Any) -> int | None:
    """The server's WAL timeline: a promoted standby starts a new one."""
    row = conn.execute("SELECT timeline_id FROM pg_control_checkpoint()").fetchone()
    return int(row[0]) if row else None


DISRUPTION = (
    "on AWS this forces a failover of the live cluster: the writer changes, both instances restart and "
    "every connection drops"
)


def require_consent(target_name: str, stack_name: str, confirm_stack: str | None) -> None:
    """The drill disrupts a live cluster: on AWS only once the stack's name has been repeated
    (the command line asks for it: stack_names.confirm)."""
    if target_name != "local" and confirm_stack != stack_name:
        raise UsageError(
            "drill failover",
            DISRUPTION + "; it runs only with the stack's name repeated",
            f"pass --confirm-stack {stack_name}",
        )


def run_drill(
    target: Target,
    stack_name: str,
    confirm_stack: str | None = None,
    out: Any = None,
    db_host: str | None = None,
    db_port: int | None = None,
    db_reader_host: str | None = None,
    db_reader_port: int | None = None,
) -> DrillResult:
    """Run the failover drill and print one line per check. Raises UsageError when it
    cannot run (the stack, its secret or its writer endpoint unusable before the failover, or
    outputs naming what is not the stack's own)."""
    out = out or sys.stdout
    require_consent(target.name, stack_name, confirm_stack)
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return _run(target, stack_name, out, db_host, db_port, db_reader_host, db_reader_port)
    except (BotoCoreError, ClientError) as e:
        from tapcheck.live.aws_errors import describe

        raise describe(e) or UsageError(
            "drill failover", f"an AWS call failed: {' '.join(str(e).split())}", "check the target and credentials"
        ) from None


def _run(
    target: Target,
    stack_name: str,
    out: Any,
    db_host: str | None,
    db_port: int | None,
    db_reader_host: str | None,
    db_reader_port: int | None,
) -> DrillResult:
    import psycopg
    from botocore.exceptions import ClientError
    from psycopg import sql

    from tapcheck.live import tls

    outputs, resources = _stack_parts(target, stack_name)
    cluster_id = _one(resources, "AWS::RDS::DBCluster", stack_name)
    secret_id = _one(resources, "AWS::SecretsManager::Secret", stack_name)
    cluster = _describe(target, cluster_id)
    foreign = _foreign_outputs(outputs, cluster_id, secret_id, cluster)
    if foreign:
        raise UsageError(
            f"stack {stack_name}",
            "its outputs name what is not among its own resources: " + "; ".join(foreign) + "; nothing was touched",
            "drill the stack that owns that cluster, or correct the outputs",
        )
    port = int(cluster.get("Port") or 5432)
    writer_host = db_host or cluster.get("Endpoint")
    reader_host = db_reader_host or cluster.get("ReaderEndpoint")
    if not writer_host or not reader_host:
        raise UsageError(
            f"stack {stack_name}",
            f"its cluster {cluster_id} has no writer or reader endpoint",
            "pass --db-host and --db-reader-host",
        )
    ca_bundle = tls.trust_anchor(target)  # before the secret is read: no bundle, no password read
    creds = _credentials(target, secret_id, stack_name)
    db = _Database(
        target,
        Endpoint(writer_host, db_port or port),
        Endpoint(reader_host, db_reader_port or db_port or port),
        creds,
        creds.get("dbname") or cluster.get("DatabaseName") or "postgres",
        ca_bundle,
    )
    old_writer = _writer_of(cluster) or "(none)"
    result = DrillResult(stack_name, cluster_id, old_writer)
    members = cluster.get("DBClusterMembers") or []
    print(
        f"drill failover {stack_name} on {target.name}: cluster {cluster_id}, writer {old_writer}, "
        f"{len(members)} instance(s)",
        file=out,
    )
    if len(members) < 2:
        result.record(
            "a reader to fail over to",
            False,
            f"the cluster has {len(members)} instance(s); losing the writer loses the cluster",
        )
        return _finish(result, out)

    table = f"tapcheck_drill_{uuid.uuid4().hex[:12]}"
    try:
        with db.connect(db.writer) as conn:
            if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                raise UsageError(
                    f"writer endpoint {db.writer}",
                    "serves a read-only standby",
                    "run `tapcheck smoke` and repair the cluster first",
                )
            timeline_before = _timeline(conn) if target.local else None
            conn.execute(
                sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, at timestamptz DEFAULT now())").format(
                    sql.Identifier(table)
                )
            )
    except psycopg.Error as e:
        raise UsageError(
            f"writer endpoint {db.writer}",
            f"cannot write before the failover: {' '.join(str(e).split())}",
            "run `tapcheck smoke` and repair the cluster first",
        ) from None
    try:
        _drill(target, db, table, result, timeline_before, out, ClientError)
    finally:
        try:
            with db.connect(db.writer) as conn:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        except psycopg.Error as e:
            print(f"note: could not drop the drill's table {table}: {' '.join(str(e).split())}", file=out)
    return _finish(result, out)


def _drill(
    target: Target,
    db: _Database,
    table: str,
    result: DrillResult,
    timeline_before: int | None,
    out: Any,
    client_error: type[Exception],
) -> None:
    import psycopg
    from psycopg import sql

    load = _WriteLoad(db, table)
    load.start()
    try:
        deadline = time.monotonic() + WARMUP_BOUND_S
        while len(load.snapshot()[0]) < WARMUP_COMMITS:
            if time.monotonic() > deadline:
                raise UsageError(
                    f"writer endpoint {db.writer}",
                    f"fewer than {WARMUP_COMMITS} writes committed in {WARMUP_BOUND_S:.0f} s before the "
                    f"failover: {(load.snapshot()[1] or [(0, 'no error')])[-1][1]}",
                    "run `tapcheck smoke` and repair the cluster first",
                )
            time.sleep(0.02)
        started = time.monotonic()
        try:
            target.client("rds").failover_db_cluster(DBClusterIdentifier=result.cluster_id)
        except client_error as e:
            result.record("FailoverDBCluster accepted", False, " ".join(str(e).split()))
            return
        result.api_s = time.monotonic() - started
        result.record("FailoverDBCluster accepted", True, f"returned after {result.api_s:.2f} s")
        _wait_new_writer(target, result, started)
        _wait_writes_resume(target, load, result, started)
    finally:
        load.stop.set()
        load.join(timeout=30)
    commits, failures = load.snapshot()
    result.committed = len(commits)
    result.failed_writes = len(failures)
    done = [t for _, t in commits]
    result.window_s = max((b - a for a, b in itertools.pairwise(done)), default=0.0)
    try:
        with db.connect(db.writer) as conn:
            writable = not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            present = {r[0] for r in conn.execute(sql.SQL("SELECT id FROM {}").format(sql.Identifier(table)))}
            timeline_after = _timeline(conn) if timeline_before is not None else None
    except psycopg.Error as e:
        result.record(
            "every committed row is on the writer endpoint's server",
            False,
            f"cannot read the committed rows back through {db.writer}: {' '.join(str(e).split())[:200]}",
        )
        return
    result.lost = sorted({i for i, _ in commits} - present)
    result.record(
        "every committed row is on the writer endpoint's server",
        writable and not result.lost,
        f"{result.committed} committed, {len(result.lost)} lost"
        + (f" (first lost ids {result.lost[:5]})" if result.lost else "")
        + ("" if writable else "; the writer endpoint serves a read-only standby"),
    )
    if timeline_before is not None:
        result.record(
            "the writer endpoint serves the promoted standby",
            (timeline_after or 0) > timeline_before,
            f"WAL timeline {timeline_before} -> {timeline_after}",
        )
    _check_reader(target, db, table, result)


def _wait_new_writer(target: Target, result: DrillResult, started: float) -> None:
    bound = WRITER_RECOVERY_BOUND_S[target.name]
    while True:
        writer = _writer_of(_describe(target, result.cluster_id))
        if writer and writer != result.old_writer:
            result.new_writer = writer
            result.record(
                "describe_db_clusters names a new writer",
                True,
                f"{result.old_writer} -> {writer} (IsClusterWriter) after {time.monotonic() - started:.1f} s",
            )
            return
        if time.monotonic() - started > bound:
            result.record(
                "describe_db_clusters names a new writer",
                False,
                f"still {writer} as the writer {bound:.0f} s after FailoverDBCluster",
            )
            return
        time.sleep(0.2 if target.local else 2.0)


def _wait_writes_resume(target: Target, load: _WriteLoad, result: DrillResult, started: float) -> None:
    """Writes must succeed steadily (STABLE_S without a failure) within the bound."""
    bound, stable = WRITER_RECOVERY_BOUND_S[target.name], STABLE_S[target.name]
    while True:
        commits, failures = load.snapshot()
        now = time.monotonic()
        last_failure = max((t for t, _ in failures if t >= started), default=None)
        since = last_failure if last_failure is not None else started
        resumed = [t for _, t in commits if t > since]
        if resumed and now - since >= stable:
            recovery = resumed[0] - started if last_failure is not None else 0.0
            result.recovery_s = recovery
            ok = recovery <= bound
            result.record(
                f"the writer endpoint takes writes again within {bound:.0f} s",
                ok,
                f"first write committed {recovery:.2f} s after FailoverDBCluster was called"
                + (f" ({len([f for f in failures if f[0] >= started])} attempts failed meanwhile)"),
            )
            return
        if now - started > bound + stable:
            last = failures[-1][1] if failures else "no error"
            result.record(
                f"the writer endpoint takes writes again within {bound:.0f} s",
                False,
                f"no steady writes {bound + stable:.0f} s after FailoverDBCluster; last error: {last}",
            )
            return
        time.sleep(0.05)


def _check_reader(target: Target, db: _Database, table: str, result: DrillResult) -> None:
    import psycopg
    from psycopg import sql

    bound = READER_BOUND_S[target.name]
    marker = -int(time.time() * 1000)
    name = f"the reader endpoint replicates from the new writer within {bound:.0f} s"
    try:
        with db.connect(db.writer) as conn:
            conn.execute(sql.SQL("INSERT INTO {} (id) VALUES (%s)").format(sql.Identifier(table)), (marker,))
    except psycopg.Error as e:
        result.record(
            name, False, f"could not write the marker row through {db.writer}: {' '.join(str(e).split())[:200]}"
        )
        return
    started = time.monotonic()
    last = "not tried"
    select = sql.SQL("SELECT pg_is_in_recovery(), EXISTS (SELECT 1 FROM {} WHERE id = %s)").format(
        sql.Identifier(table)
    )
    while time.monotonic() - started <= bound:
        try:
            with db.connect(db.reader) as conn:
                standby, seen = conn.execute(select, (marker,)).fetchone()
            if standby and seen:
                result.record(
                    name,
                    True,
                    f"a row written after the failover is visible on the reader's standby "
                    f"after {time.monotonic() - started:.2f} s",
                )
                return
            last = "serves the writer, not a standby" if not standby else "the row is not there yet"
        except psycopg.Error as e:
            last = " ".join(str(e).split())[:200]
        time.sleep(0.1 if target.local else 2.0)
    result.record(name, False, f"not within {bound:.0f} s at {db.reader}: {last}")


def _finish(result: DrillResult, out: Any) -> DrillResult:
    out.write(_text(result))
    return result


def _cases(result: DrillResult) -> list[Any]:
    from tapcheck.findings import Status
    from tapcheck.report.live import Case

    return [
        Case(c.name, (REQ,), Status.PASS if c.ok else Status.FAIL, c.detail, c.seconds, text=c.line())
        for c in result.checks
    ]


def _summary(result: DrillResult) -> str:
    from tapcheck.report.live import verdict

    return verdict(_cases(result)).summary(f"drill failover {result.stack_name}", skips=False)


def _text(result: DrillResult) -> str:
    """One line per check, the window measured, the summary."""
    lines = [c.line() for c in result.checks]
    if result.committed:
        lines.append(
            f"write-unavailability window: {result.window_s:.2f} s (longest gap between two committed "
            f"writes); {result.committed} rows committed, {len(result.lost)} lost, {result.failed_writes} "
            f"write attempts failed"
        )
    return "\n".join(lines + [_summary(result)]) + "\n"


def as_report(result: DrillResult, target: str) -> Any:
    """The drill as a LiveReport (text, JSON, JUnit): one case per check, the figures measured,
    the verdict smoke's (tapcheck.report.live.verdict)."""
    from tapcheck.report.live import LiveReport, verdict

    cases = _cases(result)
    decided = verdict(cases)
    figures = {
        "cluster": result.cluster_id,
        "old_writer": result.old_writer,
        "new_writer": result.new_writer,
        "committed": result.committed,
        "lost": len(result.lost),
        "failed_writes": result.failed_writes,
        "window_s": round(result.window_s, 3),
        "api_s": result.api_s,
        "recovery_s": result.recovery_s,
    }
    return LiveReport(
        "drill failover",
        result.stack_name,
        target,
        cases,
        _summary(result),
        decided.exit_code,
        decided.failed_requirements,
        figures,
        text=_text(result),
    )
