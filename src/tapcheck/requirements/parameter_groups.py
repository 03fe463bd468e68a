"""The template's parameter groups as the cluster and its instances use them: shared by R7 (the
statement log) and H1 (rds.force_ssl)."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.common import CLUSTER_PARAMETER_GROUP, DB_PARAMETER_GROUP, names


def attached_group(model: Model, cluster: Resource) -> Resource | None:
    """The template's cluster parameter group the cluster uses, if any."""
    for group in model.of_type(CLUSTER_PARAMETER_GROUP):
        if names(model, cluster.get("DBClusterParameterGroupName"), group, cluster):
            return group
    return None


def group_parameter(group: Resource, name: str):
    parameters = group.get("Parameters")
    return parameters.get(name) if isinstance(parameters, dict) else None


def instance_parameter(model: Model, instance: Resource, name: str):
    """The value an instance-level DB parameter group of this template sets for a parameter, if any."""
    for group in model.of_type(DB_PARAMETER_GROUP):
        if names(model, instance.get("DBParameterGroupName"), group, instance):
            return group_parameter(group, name)
    return None
