"""H1 — TLS required: the attached cluster parameter group sets rds.force_ssl."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_str, show
from tapcheck.requirements.common import of_the_cluster
from tapcheck.requirements.parameter_groups import attached_group, group_parameter
from tapcheck.requirements.unit import check, values, violation

TRUE_VALUES = set(values(__file__)["true_values"])


@check("force-ssl")
@of_the_cluster
def force_ssl(model: Model, cluster: Resource):
    """rds.force_ssl is on in the attached group (the default group leaves it 0: plaintext accepted)."""
    group = attached_group(model, cluster)
    if group is None:
        return  # parameter-group-attached reports it, under H1 too
    value = group_parameter(group, "rds.force_ssl")
    if (as_str(value) or "").lower() not in TRUE_VALUES:
        yield violation(
            group,
            ("Parameters", "rds.force_ssl"),
            f"rds.force_ssl is {show(value)}: plaintext connections are accepted",
            "Set Parameters.rds.force_ssl to 1 in the attached cluster parameter group",
        )
