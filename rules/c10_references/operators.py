"""C10 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import (
    cluster,
    cluster_instances,
    cpu_alarm,
    credential_secret,
    new_id,
    properties,
    secret_attachment,
)
from tapcheck.requirements.unit import operator


@operator("references", ["alarm-on-cluster", "instance-on-cluster", "attachment-on-secret"])
def redundant_depends_on(t, how):
    """A DependsOn that a Ref already implies (cfn-lint W3005)."""
    if how == "alarm-on-cluster":
        cpu_alarm(t)[1]["DependsOn"] = [cluster(t)[0]]
    elif how == "instance-on-cluster":
        cluster_instances(t)[0][1]["DependsOn"] = cluster(t)[0]
    else:
        secret_attachment(t)[1]["DependsOn"] = [credential_secret(t)[0]]


@operator("references", ["resource", "output", "depends-on", "getatt"])
def dangling_reference(t, how):
    missing = new_id(t, "MissingResource")
    if how == "resource":
        properties(cpu_alarm(t)[1])["OKActions"] = [{"Ref": missing}]
    elif how == "output":
        t.setdefault("Outputs", {})["Dangling"] = {"Value": {"Ref": missing}}
    elif how == "depends-on":
        cpu_alarm(t)[1]["DependsOn"] = [missing]
    else:
        t.setdefault("Outputs", {})["Dangling"] = {"Value": {"Fn::GetAtt": [missing, "Arn"]}}


@operator("references")
def circular_dependency(t, _):
    """The secret waits for its own attachment."""
    secret_attachment(t)
    credential_secret(t)[1]["DependsOn"] = [secret_attachment(t)[0]]
