"""H1 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import attach_group_copy_without, attached_parameter_group, properties, set_or_remove
from tapcheck.requirements.unit import operator


@operator("force-ssl", ["0", 0, "false", "off", None])
def force_ssl_off(t, value):
    params = properties(attached_parameter_group(t)[1])["Parameters"]
    set_or_remove(params, "rds.force_ssl", value)


@operator("force-ssl", ["detached-copy"])
def force_ssl_group_detached(t, _):
    attach_group_copy_without(t, "rds.force_ssl", "NoTlsParameterGroup", "aurora-notls-params")
