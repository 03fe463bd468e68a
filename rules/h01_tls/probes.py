"""H1 — probes: the group requires TLS, and each server refuses plaintext while accepting TLS."""

from __future__ import annotations

from tapcheck.live.context import Context, Fail, check, one_line
from tapcheck.requirements.unit import probe, values

TRUE_VALUES = set(values(__file__)["true_values"])
# The server's own refusal of a connection without TLS when rds.force_ssl is on: pg_hba has no
# entry (or a reject entry) for unencrypted connections. Aurora documents "no pg_hba.conf entry
# for host ..., SSL off" (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html);
# PostgreSQL 15 says "..., no encryption", and "pg_hba.conf rejects connection for host ..." for a
# reject line.
PG_HBA_REFUSALS = ("no pg_hba.conf entry", "pg_hba.conf rejects connection")
PLAINTEXT_MARKERS = ("no encryption", "ssl off")


@probe("force-ssl", title="the attached parameter group sets rds.force_ssl")
def force_ssl(ctx: Context) -> str:
    value = ctx.cluster_params.get("rds.force_ssl")
    check(str(value).lower() in TRUE_VALUES, f"{ctx.cluster.get('DBClusterParameterGroup')} says rds.force_ssl {value!r}")
    return f"rds.force_ssl={value}"


@probe("force-ssl", title="the server accepts TLS with the secret's credentials and refuses plaintext", plane="data",
       per_endpoint=True)
def tls(ctx: Context, role: str) -> str:
    import psycopg

    with ctx.connect(role, sslmode="require") as conn:
        check(conn.info.pgconn.ssl_in_use, f"the {role} connection is not encrypted")
    host, port = ctx.endpoint(role)
    creds = ctx.secret
    try:
        plain = psycopg.connect(host=host, port=port, user=creds["username"], password=creds["password"],
                                dbname=creds.get("dbname") or "postgres", sslmode="disable", connect_timeout=5)
    except psycopg.OperationalError as e:
        text = one_line(e)
        if any(r in text for r in PG_HBA_REFUSALS) and any(m in text.lower() for m in PLAINTEXT_MARKERS):
            return f"{role}: TLS accepted; plaintext refused by the server: {text.split('FATAL:', 1)[-1].strip()}"
        if "password authentication failed" in text:
            raise Fail(f"the {role} let a plaintext connection reach password authentication: {text}") from None
        raise ctx.refusal(role, host, port, e) from None
    plain.close()
    raise Fail(f"the {role} at {host}:{port} accepted a plaintext connection")
