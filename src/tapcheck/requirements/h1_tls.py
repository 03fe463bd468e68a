"""H1 — TLS required: the attached cluster parameter group sets rds.force_ssl."""

from __future__ import annotations

from tapcheck.model import Model, as_str
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER_PARAMETER_GROUP, props, the_cluster
from tapcheck.requirements.r07_parameter_group import attached_group

SPEC = "Hardening (AWS Control Tower CT.RDS.PR.27): connections must use TLS"
TRUE_VALUES = {"1", "true", "on"}


def check(model: Model):
    cluster, problems = the_cluster(model)
    yield from problems
    group = attached_group(model, cluster) if cluster else None
    if cluster is None:
        return
    parameters = group.get("Parameters") if group else None
    value = parameters.get("rds.force_ssl") if isinstance(parameters, dict) else None
    if (as_str(value) or "").lower() not in TRUE_VALUES:
        yield violation(group or cluster, ("Parameters", "rds.force_ssl") if group else ("DBClusterParameterGroupName",),
                        f"rds.force_ssl is {value!r}: plaintext connections are accepted",
                        "Set Parameters.rds.force_ssl to 1 in the attached cluster parameter group", "force-ssl")


def passing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["rds.force_ssl"] = 1


def failing_example(template: dict) -> None:
    props(template, CLUSTER_PARAMETER_GROUP)["Parameters"]["rds.force_ssl"] = "0"


REQUIREMENT = Requirement("H1", "TLS required", SPEC, check, passing_example, failing_example)
