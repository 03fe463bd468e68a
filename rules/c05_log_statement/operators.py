"""C5 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import (
    attached_parameter_group,
    cluster_props,
    instance_parameter_override,
    properties,
    set_or_remove,
)
from tapcheck.requirements.unit import operator


@operator("log-statement-all", ["mod", "none", "ddl", None])
def query_logging_reduced(t, value):
    params = properties(attached_parameter_group(t)[1])["Parameters"]
    set_or_remove(params, "log_statement", value)


@operator("parameter-group-attached", ["removed", "default.aurora-postgresql15"])
def query_logging_group_detached(t, how):
    if how == "removed":
        cluster_props(t).pop("DBClusterParameterGroupName")
    else:
        cluster_props(t)["DBClusterParameterGroupName"] = how


@operator("log-statement-all", ["none"])
def query_logging_instance_override(t, value):
    instance_parameter_override(t, "log_statement", value)
