"""R1 — probes: the cluster RDS reports, and the PostgreSQL server behind each endpoint."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe(
    "aurora-postgresql-engine",
    "serverless-v2",
    "serverless-instances",
    title="engine aurora-postgresql, provisioned with Serverless v2 scaling, db.serverless instances",
)
def engine(ctx: Context) -> str:
    c = ctx.cluster
    expect(c["Engine"] == V["engine"], f"DescribeDBClusters says Engine {c['Engine']}")
    expect(
        c.get("EngineMode", "provisioned") == "provisioned", f"DescribeDBClusters says EngineMode {c.get('EngineMode')}"
    )
    expect(bool(c.get("ServerlessV2ScalingConfiguration")), "the cluster has no ServerlessV2ScalingConfiguration")
    classes = sorted({i["DBInstanceClass"] for i in ctx.instances})
    expect(bool(ctx.instances) and classes == [V["instance_class"]], f"instance classes are {classes}")
    return f"{c['Engine']} {c['EngineVersion']} provisioned, instances {classes}"


@probe("engine-version", title="engine version 15.x on the cluster")
def engine_version(ctx: Context) -> str:
    version = str(ctx.cluster["EngineVersion"])
    expect(version.split(".")[0] == V["major_version"], f"DescribeDBClusters says EngineVersion {version}")
    return f"EngineVersion {version}"


@probe("engine-version", title="the server behind the endpoint runs PostgreSQL 15", plane="data", per_endpoint=True)
def server_version(ctx: Context, role: str) -> str:
    with ctx.connect(role) as conn:
        number = conn.info.server_version
    expect(number // 10000 == int(V["major_version"]), f"the {role} reports server_version_num {number}")
    return f"{role}: server_version_num {number}"
