"""R6 — probes: the generated secret, attached to the cluster, and a login with it on each endpoint."""

from __future__ import annotations

from tapcheck.live.context import Context, check
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe("generated-password", "secret-attached",
       title="secret generated (32 characters RDS accepts) and attached: host, port, engine, dbname of the cluster")
def secret(ctx: Context) -> str:
    ctx.target.client("secretsmanager").describe_secret(SecretId=ctx.secret_arn)
    doc = ctx.secret
    password = doc[V["password_key"]]
    check(len(password) == V["password_length"], f"the password has {len(password)} characters")
    bad = sorted(set(password) & set(V["rds_forbidden_characters"]))
    check(not bad, f"the password contains {bad}, which RDS rejects")
    c = ctx.cluster
    # SecretTargetAttachment adds the cluster's connection details:
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-secrettargetattachment.html
    check(doc.get("host") == c.get("Endpoint"), f"the secret's host {doc.get('host')!r} is not the cluster endpoint")
    check(str(doc.get("port")) == str(c.get("Port")), f"the secret's port {doc.get('port')!r} is not {c.get('Port')}")
    check(doc.get("engine") == "postgres", f"the secret's engine is {doc.get('engine')!r}")
    check(doc.get("dbname") == c.get("DatabaseName"), f"the secret's dbname {doc.get('dbname')!r} is not "
          f"{c.get('DatabaseName')!r}")
    return f"{len(password)} characters, none of {V['rds_forbidden_characters']!r}; attached (host, port, engine, dbname)"


@probe("credentials-from-secret", "credentials-wiring",
       title="the secret's credentials log in to the cluster's database", plane="data", per_endpoint=True)
def login_with_secret(ctx: Context, role: str) -> str:
    doc = ctx.secret
    with ctx.connect(role) as conn:
        database, user = conn.execute("SELECT current_database(), current_user").fetchone()
    check(user == doc[V["username_key"]], f"logged in to the {role} as {user}, not the secret's user")
    check(ctx.cluster.get("MasterUsername") == user, f"the cluster's master user is {ctx.cluster.get('MasterUsername')!r}")
    check(database == ctx.cluster.get("DatabaseName"), f"the {role}'s database is {database}, the cluster's "
          f"DatabaseName is {ctx.cluster.get('DatabaseName')}")
    return f"{role}: logged in as {user} to {database}"
