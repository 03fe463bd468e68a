"""S5 — probes: the live names carry the stack's EnvironmentSuffix."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe("names-carry-suffix", title="the names of the resources the design names carry EnvironmentSuffix")
def names(ctx: Context) -> str:
    suffix = ctx.parameters.get(V["suffix_parameter"], "")
    expect(bool(suffix), f"the stack has no {V['suffix_parameter']} parameter value")
    named = [r for r in ctx.resources if r["ResourceType"] in V["must_be_named"]]
    expect(bool(named), "the stack holds none of the resources the design names")
    # physical ids of secrets are ARNs; RDS stores identifiers in lower case
    missing = [
        f"{r['LogicalResourceId']} ({r['PhysicalResourceId']})"
        for r in named
        if suffix.lower() not in r["PhysicalResourceId"].lower()
    ]
    expect(not missing, f"names without {suffix!r}: {missing}")
    return f"{len(named)} names carry {suffix!r}"
