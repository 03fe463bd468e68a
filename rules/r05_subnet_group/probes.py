"""R5 — probes: the subnet group RDS places the cluster in."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe(
    "subnets-from-parameters", "subnet-group-attached", title="the stack's subnet group, of the two subnet parameters"
)
def subnet_group(ctx: Context) -> str:
    name = ctx.cluster.get("DBSubnetGroup")
    own = [o.lower() for o in ctx.physical("AWS::RDS::DBSubnetGroup")]
    expect(str(name).lower() in own, f"the cluster uses subnet group {name}, not the stack's {own}")
    group = ctx.target.client("rds").describe_db_subnet_groups(DBSubnetGroupName=name)["DBSubnetGroups"][0]
    subnets = sorted(s["SubnetIdentifier"] for s in group["Subnets"])
    wanted = sorted(ctx.parameters.get(p, "") for p in V["subnet_parameters"])
    expect(subnets == wanted, f"subnet group {name} has {subnets}; the stack's parameters say {wanted}")
    return f"{name}: {subnets}"
