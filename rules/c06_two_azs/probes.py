"""C6 — probes: two AZs, a writer and a reader, the reader replicating and read-only."""

from __future__ import annotations

import time
import uuid

from tapcheck.live.context import Context, Fail, check
from tapcheck.requirements.unit import probe, values

ZONES = values(__file__)["availability_zones"]
# A row committed on the writer must be visible on the reader within this. Aurora replicas
# usually lag well under 100 ms (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Replication.html);
# the bound leaves room for a loaded machine.
REPLICATION_BOUND_S = 5.0
PROBE_TABLE = "tapcheck_probe"


@probe("two-subnets", title="the subnet group spans two AZs, and its subnets exist")
def subnet_azs(ctx: Context) -> str:
    name = ctx.cluster.get("DBSubnetGroup")
    group = ctx.target.client("rds").describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    azs = sorted({s["SubnetAvailabilityZone"]["Name"] for s in group["Subnets"]})
    check(len(group["Subnets"]) == ZONES and len(azs) == ZONES, f"subnet group {name} covers AZs {azs} "
          f"with {len(group['Subnets'])} subnet(s)")
    return f"AZs {azs}"


@probe("two-instances", title="two instances in two AZs: one writer, one reader")
def instances_azs(ctx: Context) -> str:
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
    with ctx.connect("reader") as reader:
        reader_recovering = reader.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    check(writer_recovering is False, "the writer endpoint reaches a server in recovery (read-only)")
    check(reader_recovering is True, "the reader endpoint reaches a primary, not a replica: no reader is serving")
    return "writer: primary; reader: replica in recovery"


@probe("two-instances", title=f"a row committed on the writer is visible on the reader within {REPLICATION_BOUND_S:.0f} s",
       plane="data")
def replication(ctx: Context) -> str:
    token = uuid.uuid4().hex
    with ctx.connect("reader") as reader, ctx.connect("writer") as writer:
        writer.execute(f"CREATE TABLE IF NOT EXISTS {PROBE_TABLE} (token text PRIMARY KEY, at timestamptz DEFAULT now())")
        writer.execute(f"INSERT INTO {PROBE_TABLE} (token) VALUES (%s)", (token,))
        started = time.monotonic()
        try:
            while True:
                try:
                    row = reader.execute(f"SELECT 1 FROM {PROBE_TABLE} WHERE token = %s", (token,)).fetchone()
                except Exception:  # noqa: BLE001 - the table itself may not have replicated yet
                    row = None
                if row:
                    return f"visible on the reader after {(time.monotonic() - started) * 1000:.0f} ms"
                if time.monotonic() - started > REPLICATION_BOUND_S:
                    raise Fail(f"a row committed on the writer is not visible on the reader after {REPLICATION_BOUND_S:.0f} s")
                time.sleep(0.02)
        finally:
            writer.execute(f"DELETE FROM {PROBE_TABLE} WHERE token = %s", (token,))


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
