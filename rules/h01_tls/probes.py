"""H1 — probes: the group requires TLS, and each server refuses plaintext while accepting TLS."""

from __future__ import annotations

from tapcheck.live.context import Context, Fail, expect, one_line
from tapcheck.requirements.unit import probe, values

TRUE_VALUES = set(values(__file__)["true_values"])
# The server's own refusal of a connection without TLS when rds.force_ssl is on: pg_hba has no
# entry (or a reject entry) for unencrypted connections. AWS: "If the rds.force_ssl parameter is set
# to 1 (on), clients are required to use SSL/TLS for connections"
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/ssl-certificate-rotation-aurora-postgresql.html),
# and Aurora documents the refusal as "no pg_hba.conf entry for host ..., SSL off"
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html);
# PostgreSQL 15 says "..., no encryption", and "pg_hba.conf rejects connection for host ..." for a
# reject line. pg_hba.conf is matched before authentication begins
# (https://www.postgresql.org/docs/15/auth-pg-hba-conf.html: "The first record with a matching
# connection type, client address, requested database, and user name is used to perform
# authentication"), so the refusal is seen with no password at all: every plaintext attempt here
# carries none (Context.plaintext_attempt). Anything else — a password request ("no password
# supplied"), a FATAL after authentication, a session — means plaintext got past pg_hba.
PG_HBA_REFUSALS = ("no pg_hba.conf entry", "pg_hba.conf rejects connection")
PLAINTEXT_MARKERS = ("no encryption", "ssl off")
# libpq's words when the server asks for a password on the plaintext attempt, which sends none and
# accepts no authentication exchange (require_auth=none: Context.plaintext_attempt)
PASSWORD_ASKED = ('authentication method requirement "none" failed', "no password supplied")
# Besides the secret's own login, plaintext is tried for the other login roles on the secret's
# database, for the secret's user on the other databases, and for a physical replication
# connection (pg_hba.conf matches those by their own "replication" lines), all without a
# password: a pg_hba line letting one of them in without TLS asks for the password (or lets it
# in) instead of refusing. Bounded so that a server with many roles costs a bounded number of tries.
MAX_OTHER_LOGINS = 20


@probe("force-ssl", title="the attached parameter group sets rds.force_ssl")
def force_ssl(ctx: Context) -> str:
    value = ctx.cluster_params.get("rds.force_ssl")
    expect(
        str(value).lower() in TRUE_VALUES, f"{ctx.cluster.get('DBClusterParameterGroup')} says rds.force_ssl {value!r}"
    )
    return f"rds.force_ssl={value}"


@probe(
    "force-ssl",
    title="the server accepts verified TLS with the secret's credentials and refuses plaintext (no "
    "password sent) to every login role and database",
    plane="data",
    per_endpoint=True,
)
def tls(ctx: Context, role: str) -> str:
    with ctx.connect(role) as conn:
        expect(conn.info.pgconn.ssl_in_use, f"the {role} connection is not encrypted")
        users = [
            r
            for (r,) in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolcanlogin AND rolname <> current_user ORDER BY rolname"
            ).fetchall()
        ]
        databases = [
            d
            for (d,) in conn.execute(
                "SELECT datname FROM pg_database WHERE datallowconn AND datname <> current_database() ORDER BY datname"
            ).fetchall()
        ]
    user, database = ctx.secret["username"], ctx.database()
    refusal = _plaintext_refused(ctx, role, user, database)
    others = ([(other, database) for other in users] + [(user, d) for d in databases])[:MAX_OTHER_LOGINS]
    for other, dbname in others:
        _plaintext_refused(ctx, role, other, dbname)
    _plaintext_refused(ctx, role, user, database, replication=True)
    return (
        f"{role}: verified TLS accepted; plaintext refused by the server for {2 + len(others)} login(s), no "
        f"password sent: {refusal.split('FATAL:', 1)[-1].strip()}"
    )


def _plaintext_refused(ctx: Context, role: str, user: str, dbname: str, replication: bool = False) -> str:
    """The server's refusal of a plaintext login as `user` to `dbname` (no password sent); Fail when
    it did not refuse it."""
    import psycopg

    host, port = ctx.endpoint(role)
    who = f"user {user!r} " + ("for replication" if replication else f"to database {dbname!r}")
    try:
        plain = ctx.plaintext_attempt(role, user=user, dbname=dbname, replication=replication)
    except psycopg.OperationalError as e:
        text = one_line(e)
        if any(r in text for r in PG_HBA_REFUSALS) and any(m in text.lower() for m in PLAINTEXT_MARKERS):
            return text
        if any(m in text for m in PASSWORD_ASKED) or "authentication failed" in text:
            raise Fail(
                f"the {role} let a plaintext connection of {who} reach password authentication (it asked "
                f"for a password, which was not sent): {text}"
            ) from None
        if "FATAL" in text:  # the server answered, but not with pg_hba's refusal of plaintext
            raise Fail(f"the {role} did not refuse a plaintext connection of {who} for want of TLS: {text}") from None
        raise ctx.refusal(role, host, port, e) from None
    plain.close()
    raise Fail(f"the {role} at {host}:{port} accepted a plaintext connection of {who} without a password")
