"""H2 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_props, set_or_remove
from tapcheck.requirements.unit import operator


@operator("iam-auth", [False, "false", None])
def iam_auth_off(t, value):
    set_or_remove(cluster_props(t), "EnableIAMDatabaseAuthentication", value)
