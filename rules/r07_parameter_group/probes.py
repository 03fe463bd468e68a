"""R7 — probes: the attached group as RDS reports it, and log_statement in effect on each server."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe(
    "parameter-group-attached",
    "parameter-group-family",
    title="the stack's cluster parameter group, family aurora-postgresql15, is attached",
)
def parameter_group(ctx: Context) -> str:
    attached = ctx.cluster.get("DBClusterParameterGroup")
    own = [o.lower() for o in ctx.physical("AWS::RDS::DBClusterParameterGroup")]
    expect(str(attached).lower() in own, f"the cluster uses parameter group {attached}, not the stack's {own}")
    rds = ctx.target.client("rds")
    group = rds.describe_db_cluster_parameter_groups(DBClusterParameterGroupName=attached)["DBClusterParameterGroups"][
        0
    ]
    expect(group["DBParameterGroupFamily"] == V["family"], f"{attached} has family {group['DBParameterGroupFamily']}")
    return f"{attached} ({group['DBParameterGroupFamily']})"


@probe("log-statement-all", title="the attached cluster parameter group sets log_statement all")
def group_log_statement(ctx: Context) -> str:
    value = ctx.cluster_params.get("log_statement")
    expect(value == V["log_statement"], f"{ctx.cluster.get('DBClusterParameterGroup')} says log_statement {value!r}")
    return f"log_statement={value}"


@probe(
    "log-statement-all",
    title="log_statement is all for every session on the server, overrides included",
    plane="data",
    per_endpoint=True,
)
def log_statement_in_effect(ctx: Context, role: str) -> str:
    wanted = V["log_statement"]
    with ctx.connect(role) as conn:
        shown = conn.execute("SHOW log_statement").fetchone()[0]
        # per-role and per-database settings (ALTER ROLE / ALTER DATABASE ... SET) override the server's value
        overrides = conn.execute(
            "SELECT coalesce(r.rolname, '*'), coalesce(d.datname, '*'), c.setting "
            "FROM pg_db_role_setting s CROSS JOIN LATERAL unnest(s.setconfig) AS c(setting) "
            "LEFT JOIN pg_roles r ON r.oid = s.setrole LEFT JOIN pg_database d ON d.oid = s.setdatabase "
            "WHERE c.setting ILIKE 'log_statement=%%'"
        ).fetchall()
    # enum settings are case-insensitive, and pg_db_role_setting keeps the value as written ('ALL')
    expect(shown.lower() == wanted, f"the {role} reports log_statement={shown} for this session")
    bad = [
        f"role {r} database {d}: {setting}"
        for r, d, setting in overrides
        if setting.split("=", 1)[1].strip().lower() != wanted
    ]
    expect(not bad, f"the {role} overrides log_statement: {'; '.join(bad)}")
    return f"{role}: log_statement={shown}, no overriding role or database setting"
