"""R7 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import (
    attach_group_copy_without,
    attached_parameter_group,
    cluster_props,
    instance_parameter_override,
    properties,
    set_or_remove,
)
from tapcheck.requirements.unit import operator


@operator("log-statement-all", ["ddl", "mod", "none", None])
def log_statement_changed(t, value):
    params = properties(attached_parameter_group(t)[1])["Parameters"]
    set_or_remove(params, "log_statement", value)


@operator("parameter-group-family", ["aurora-postgresql14", "aurora-postgresql16", "postgres15", "aurora-mysql8.0"])
def parameter_group_family_changed(t, family):
    properties(attached_parameter_group(t)[1])["Family"] = family


@operator("parameter-group-attached", ["default.aurora-postgresql15", "removed"])
def parameter_group_detached(t, how):
    """The cluster uses the default group (named, or by leaving the property out)."""
    if how == "removed":
        cluster_props(t).pop("DBClusterParameterGroupName")
    else:
        cluster_props(t)["DBClusterParameterGroupName"] = how


@operator("log-statement-all")
def parameter_group_copy_without_log_statement(t, _):
    """The cluster moves to a second custom group that leaves log_statement at its default (none)."""
    attach_group_copy_without(t, "log_statement", "PlainParameterGroup", "aurora-plain-params")


@operator("log-statement-all", ["none", "ddl"])
def instance_overrides_log_statement(t, value):
    """An instance-level DB parameter group overriding log_statement."""
    instance_parameter_override(t, "log_statement", value)
