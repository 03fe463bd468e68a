"""S7 — probes: the stack exports every output as <stack name>-<output>."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

OUTPUTS = values(__file__)["outputs"]


@probe("output-exports", title="every output the seed declares is exported as <stack name>-<output>")
def output_exports(ctx: Context) -> str:
    exports = {o["OutputKey"]: o.get("ExportName") for o in ctx.stack.get("Outputs") or []}
    missing = [name for name in OUTPUTS if name not in exports]
    expect(not missing, f"the stack has no output {missing}")
    wrong = [f"{name} as {exports[name]}" for name in OUTPUTS if exports[name] != f"{ctx.stack_name}-{name}"]
    expect(not wrong, f"exported otherwise: {wrong}")
    if "ClusterPort" in ctx.outputs:
        expect(
            str(ctx.outputs["ClusterPort"]) == str(ctx.cluster.get("Port")),
            f"ClusterPort {ctx.outputs['ClusterPort']} is not the cluster's port {ctx.cluster.get('Port')}",
        )
    return f"{len(OUTPUTS)} outputs exported as {ctx.stack_name}-<name>"
