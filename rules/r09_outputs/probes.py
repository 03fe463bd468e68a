"""R9 — probes: the stack's outputs name the live endpoints and the secret."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe("required-outputs", title="outputs name the writer and reader endpoints and the secret's ARN")
def outputs(ctx: Context) -> str:
    out, c = ctx.outputs, ctx.cluster
    wanted = [V["writer_output"], V["reader_output"], V["secret_output"]]
    missing = [k for k in wanted if k not in out]
    expect(not missing, f"the stack has no output {missing}")
    expect(
        out[V["writer_output"]] == c.get("Endpoint"),
        f"{V['writer_output']} {out[V['writer_output']]} is not the cluster endpoint {c.get('Endpoint')}",
    )
    expect(
        out[V["reader_output"]] == c.get("ReaderEndpoint"),
        f"{V['reader_output']} {out[V['reader_output']]} is not the reader endpoint {c.get('ReaderEndpoint')}",
    )
    expect(
        out[V["secret_output"]] == ctx.secret_arn,
        f"{V['secret_output']} {out[V['secret_output']]} is not {ctx.secret_arn}",
    )
    return "writer and reader endpoints and the secret's ARN match"
