"""R6 — probes: the generated secret, attached to the cluster, and a login with it on each endpoint."""

from __future__ import annotations

import secrets

from tapcheck.live.context import Context, Fail, expect, one_line
from tapcheck.requirements.unit import probe, values

V = values(__file__)
# A login refused for want of the right password (or refused outright by pg_hba.conf or the role).
# PostgreSQL words a wrong password "password authentication failed for user ..." (scram, md5,
# password) and IAM authentication on RDS goes through PAM ("PAM authentication failed ...").
LOGIN_REFUSALS = (
    "authentication failed for user",
    "no pg_hba.conf entry",
    "pg_hba.conf rejects connection",
    "is not permitted to log in",
)


@probe(
    "generated-password",
    "secret-attached",
    title="secret generated (32 characters RDS accepts) and attached: host, port, engine, dbname of the cluster",
)
def secret(ctx: Context) -> str:
    doc = ctx.secret
    ctx.target.client("secretsmanager").describe_secret(SecretId=ctx.secret_arn)
    password = doc[V["password_key"]]
    # Said by its shape only: no message quotes any part of the secret's value (live/secret_shape.py).
    expect(len(password) == V["password_length"], f"the password has {len(password)} characters")
    bad = set(password) & set(V["rds_forbidden_characters"])
    expect(
        not bad,
        f"the password contains {len(bad)} kind(s) of character RDS rejects (any of {V['rds_forbidden_characters']!r})",
    )
    c = ctx.cluster
    # SecretTargetAttachment adds the cluster's connection details:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secrettargetattachment.html
    expect(doc.get("host") == c.get("Endpoint"), f"the secret's host is not the cluster endpoint {c.get('Endpoint')}")
    expect(str(doc.get("port")) == str(c.get("Port")), f"the secret's port is not the cluster's {c.get('Port')}")
    expect(doc.get("engine") == "postgres", "the secret's engine is not postgres")
    expect(
        doc.get("dbname") == c.get("DatabaseName"),
        f"the secret's dbname is not the cluster's DatabaseName {c.get('DatabaseName')!r}",
    )
    return (
        f"{len(password)} characters, none of {V['rds_forbidden_characters']!r}; attached (host, port, engine, dbname)"
    )


@probe(
    "credentials-from-secret",
    "credentials-wiring",
    title="the secret's credentials log in to the cluster's database",
    plane="data",
    per_endpoint=True,
)
def login_with_secret(ctx: Context, role: str) -> str:
    doc = ctx.secret
    with ctx.connect(role) as conn:
        database, user = conn.execute("SELECT current_database(), current_user").fetchone()
        database_limit, role_limit = conn.execute(
            "SELECT d.datconnlimit, r.rolconnlimit FROM pg_database d, pg_roles r "
            "WHERE d.datname = current_database() AND r.rolname = current_user"
        ).fetchone()
    expect(user == doc[V["username_key"]], f"logged in to the {role} as {user}, not the secret's user")
    # CONNECTION LIMIT 0 turns every login away, except a superuser's (PostgreSQL 15 lets a superuser
    # past both limits, as tried here). Aurora's master user is not a superuser ("CREATE ROLE postgres
    # WITH LOGIN NOSUPERUSER ...",
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html),
    # so there the secret's login is refused; the emulator's master is one, so the limit is read here.
    expect(
        database_limit != 0,
        f"the {role}'s database {database} has CONNECTION LIMIT 0: it accepts no connection "
        "from a user that is not a superuser, Aurora's master user included",
    )
    expect(
        role_limit != 0,
        f"the secret's user {user} has CONNECTION LIMIT 0 on the {role}: it cannot log in unless "
        "it is a superuser, which Aurora's master user is not",
    )
    expect(
        ctx.cluster.get("MasterUsername") == user, f"the cluster's master user is {ctx.cluster.get('MasterUsername')!r}"
    )
    expect(
        database == ctx.cluster.get("DatabaseName"),
        f"the {role}'s database is {database}, the cluster's DatabaseName is {ctx.cluster.get('DatabaseName')}",
    )
    return f"{role}: logged in as {user} to {database}"


@probe(
    "credentials-from-secret",
    title="without the secret's password the master user does not log in: one random wrong password, once per endpoint",
    plane="data",
    per_endpoint=True,
)
def password_required(ctx: Context, role: str) -> str:
    """One failed login per endpoint, for the master user alone: enough to show the server asks for
    the password (a pg_hba.conf trust line would let it in), and no more failed logins than that for
    anomaly detection to notice. The endpoint must first take the secret's own login (a server that
    turns every login away proves nothing about passwords). The wrong password is random, sent only
    as the real one is (verified TLS, SCRAM: Context.attempt)."""
    import psycopg

    with ctx.connect(role):
        pass
    user, database = ctx.secret[V["username_key"]], ctx.database()
    wrong = secrets.token_urlsafe(24)
    host, port = ctx.endpoint(role)
    try:
        session = ctx.attempt(role, user=user, password=wrong, dbname=database)
    except psycopg.OperationalError as e:
        if any(r in one_line(e) for r in LOGIN_REFUSALS):
            return f"{role}: a wrong password is refused for the master user {user}"
        raise ctx.refusal(role, host, port, e) from None
    session.close()
    raise Fail(
        f"the {role} let the master user {user} log in to {database} with a wrong password: it does not ask "
        "for the password (a pg_hba.conf trust line?)"
    )
