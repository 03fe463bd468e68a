"""H2 — probes: IAM database authentication as RDS reports it."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe


@probe("iam-auth", title="IAM database authentication enabled")
def iam_auth(ctx: Context) -> str:
    expect(ctx.cluster.get("IAMDatabaseAuthenticationEnabled") is True, "IAM database authentication is off")
    return "IAMDatabaseAuthenticationEnabled true"
