"""R7 — a custom cluster parameter group of family aurora-postgresql15, attached, logging every statement."""

from __future__ import annotations

from tapcheck.model import Model, Resource, as_str, show
from tapcheck.requirements.common import instances_of, of_the_cluster
from tapcheck.requirements.parameter_groups import attached_group, group_parameter, instance_parameter
from tapcheck.requirements.unit import advisory, check, values, violation

V = values(__file__)


@check("parameter-group-attached")
@of_the_cluster
def parameter_group_attached(model: Model, cluster: Resource):
    """The cluster uses a custom cluster parameter group of this template (the default group logs nothing)."""
    if attached_group(model, cluster) is None:
        yield violation(
            cluster,
            ("DBClusterParameterGroupName",),
            f"DBClusterParameterGroupName is {show(cluster.get('DBClusterParameterGroupName'))}: no custom "
            "cluster parameter group of this template is attached, so the default group applies "
            "(log_statement none, rds.force_ssl 0)",
            "Set DBClusterParameterGroupName to !Ref the parameter group",
        )


@check("log-statement-all")
@of_the_cluster
def log_statement_all(model: Model, cluster: Resource):
    """log_statement is 'all' where it takes effect: the attached group, and no instance-level override."""
    wanted = V["log_statement"]
    group = attached_group(model, cluster)
    if group is not None:
        value = group_parameter(group, "log_statement")
        if as_str(value) != wanted:
            yield violation(
                group,
                ("Parameters", "log_statement"),
                f"log_statement is {show(value)}, not '{wanted}'",
                f"Set Parameters.log_statement to {wanted}",
            )
    for instance in instances_of(model, cluster):
        override = instance_parameter(model, instance, "log_statement")
        if override is not None and as_str(override) != wanted:
            yield violation(
                instance,
                ("DBParameterGroupName",),
                f"The instance's DB parameter group overrides log_statement with {show(override)}",
                f"Remove log_statement from the instance parameter group or set it to {wanted}",
            )


@check("parameter-group-family")
@of_the_cluster
def parameter_group_family(model: Model, cluster: Resource):
    """The attached group's family matches the engine (PostgreSQL 15)."""
    group = attached_group(model, cluster)
    family = V["family"]
    if group is not None and group.get("Family") != family:
        yield violation(
            group,
            ("Family",),
            f"Family is {show(group.get('Family'))}; the engine (PostgreSQL 15) needs {family}",
            f"Set Family to {family}",
        )


# --- what AWS warns about the statement log the spec requires ---------------------------------------

CLEARTEXT_PAGE = "https://repost.aws/knowledge-center/rds-postgresql-cleartext-logging"


@check("statement-log-cleartext-passwords")
@of_the_cluster
def statement_log_cleartext_passwords(model: Model, cluster: Resource):
    """Advisory: with log_statement ddl or all, a password set in SQL (CREATE/ALTER ROLE ... PASSWORD)
    is written to the PostgreSQL log in clear, and the log is exported to CloudWatch Logs."""
    group = attached_group(model, cluster)
    value = as_str(group_parameter(group, "log_statement")) if group is not None else None
    if value in ("all", "ddl"):
        yield advisory(
            group,
            ("Parameters", "log_statement"),
            f"log_statement is '{value}': AWS warns that CREATE ROLE or ALTER ROLE ... PASSWORD is then "
            "logged in clear text, and this stack exports the log to CloudWatch Logs",
            "Change database passwords only through the API (Secrets Manager rotation, ModifyDBCluster "
            "MasterUserPassword), never with SQL; or install pgAudit with pgaudit.log covering role "
            f"statements, which redacts the password ({CLEARTEXT_PAGE})",
            "cleartext-passwords",
        )
