"""H5 — probes: enhanced monitoring on every instance, through a role RDS monitoring can assume."""

from __future__ import annotations

import json

from tapcheck.live.context import Context, check
from tapcheck.requirements.unit import probe, values

V = values(__file__)


@probe("enhanced-monitoring", title="enhanced monitoring with a role monitoring.rds.amazonaws.com can assume")
def enhanced_monitoring(ctx: Context) -> str:
    iam = ctx.target.client("iam")
    check(bool(ctx.instances), "the stack has no DB instances")
    for i in ctx.instances:
        check((i.get("MonitoringInterval") or 0) in V["intervals"],
              f"{i['DBInstanceIdentifier']} MonitoringInterval is {i.get('MonitoringInterval')}")
        arn = i.get("MonitoringRoleArn")
        check(bool(arn), f"{i['DBInstanceIdentifier']} has no MonitoringRoleArn")
        role = iam.get_role(RoleName=arn.split("/")[-1])["Role"]
        trust = json.dumps(role.get("AssumeRolePolicyDocument"))
        check(V["monitoring_principal"] in trust, f"role {role['RoleName']} does not trust {V['monitoring_principal']}")
        attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]]
        check(V["monitoring_policy"] in attached, f"role {role['RoleName']} has policies {attached}")
    return f"interval {ctx.instances[0].get('MonitoringInterval')} s, role with {V['monitoring_policy']}"
