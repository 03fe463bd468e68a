"""R3 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_props, set_or_remove
from tapcheck.requirements.unit import operator


@operator("storage-encrypted", [False, "false", "False", None])
def storage_not_encrypted(t, value):
    """StorageEncrypted false, or absent (Aurora's default: unencrypted)."""
    set_or_remove(cluster_props(t), "StorageEncrypted", value)


@operator("cluster-deletion-protection-off", [True, "true", "True"])
def deletion_protection_on(t, value):
    cluster_props(t)["DeletionProtection"] = value
