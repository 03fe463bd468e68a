"""Every requirement the gate checks, in matrix order: R (requirements), C (constraints),
S (other details of the specification), H (hardening beyond it)."""

from tapcheck.requirements import (
    c01_autoscaling, c02_no_deletion_protection, c03_automated_backups, c04_no_literal_credentials,
    c05_log_statement, c06_two_azs, c07_aws_managed_key, c08_cpu_over_80, c09_delete_policies, c10_references,
    h1_tls, h2_iam_auth, h3_copy_tags, h4_alarm_notifies, h5_enhanced_monitoring, h6_control_tower,
    r01_engine, r02_capacity, r03_protection_encryption, r04_backups, r05_subnet_group, r06_secret,
    r07_parameter_group, r08_cpu_alarm, r09_outputs, r10_tags,
    s1_maintenance_window, s2_log_exports, s3_private_instances, s4_security_group, s5_names, s6_parameters,
    s7_output_exports, s8_valid_template,
)
from tapcheck.requirements.base import Requirement, Violation

_MODULES = (
    r01_engine, r02_capacity, r03_protection_encryption, r04_backups, r05_subnet_group, r06_secret,
    r07_parameter_group, r08_cpu_alarm, r09_outputs, r10_tags,
    c01_autoscaling, c02_no_deletion_protection, c03_automated_backups, c04_no_literal_credentials,
    c05_log_statement, c06_two_azs, c07_aws_managed_key, c08_cpu_over_80, c09_delete_policies, c10_references,
    s1_maintenance_window, s2_log_exports, s3_private_instances, s4_security_group, s5_names, s6_parameters,
    s7_output_exports, s8_valid_template,
    h1_tls, h2_iam_auth, h3_copy_tags, h4_alarm_notifies, h5_enhanced_monitoring, h6_control_tower,
)

REQUIREMENTS: list[Requirement] = [m.REQUIREMENT for m in _MODULES]
BY_ID: dict[str, Requirement] = {r.id: r for r in REQUIREMENTS}

__all__ = ["REQUIREMENTS", "BY_ID", "Requirement", "Violation"]
