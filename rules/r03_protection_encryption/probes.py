"""R3 — probes: deletion protection and storage encryption as RDS reports them."""

from __future__ import annotations

from tapcheck.live.context import Context, check
from tapcheck.requirements.unit import probe


@probe("cluster-deletion-protection-off", title="the cluster's deletion protection is off")
def cluster_deletion_protection(ctx: Context) -> str:
    value = ctx.cluster.get("DeletionProtection")
    check(value is False, f"DescribeDBClusters says DeletionProtection {value}")
    return "DeletionProtection false"


@probe("storage-encrypted", title="the cluster's storage is encrypted with KMS")
def storage_encrypted(ctx: Context) -> str:
    c = ctx.cluster
    check(c.get("StorageEncrypted") is True, f"DescribeDBClusters says StorageEncrypted {c.get('StorageEncrypted')}")
    check(bool(c.get("KmsKeyId")), "the cluster reports no KmsKeyId: its storage is not under a KMS key")
    return f"StorageEncrypted true, KmsKeyId {c['KmsKeyId']}"
