"""R3 — probes: deletion protection and storage encryption as RDS reports them."""

from __future__ import annotations

from tapcheck.live.context import Context, Fail, expect
from tapcheck.requirements.unit import probe


@probe("cluster-deletion-protection-off", title="the cluster's deletion protection is off")
def cluster_deletion_protection(ctx: Context) -> str:
    value = ctx.cluster.get("DeletionProtection")
    expect(value is False, f"DescribeDBClusters says DeletionProtection {value}")
    return "DeletionProtection false"


@probe("storage-encrypted", title="the cluster's storage is encrypted with KMS")
def storage_encrypted(ctx: Context) -> str:
    from botocore.exceptions import ClientError

    c = ctx.cluster
    expect(c.get("StorageEncrypted") is True, f"DescribeDBClusters says StorageEncrypted {c.get('StorageEncrypted')}")
    key_id = c.get("KmsKeyId")
    expect(bool(key_id), "the cluster reports no KmsKeyId: its storage is not under a KMS key")
    try:
        meta = ctx.target.client("kms").describe_key(KeyId=key_id)["KeyMetadata"]
    except ClientError as e:
        raise Fail(
            f"the cluster's KmsKeyId {key_id} is no KMS key of the account ({e.response['Error']['Code']}): "
            "its storage is not under a KMS key"
        ) from None
    return f"StorageEncrypted true, KmsKeyId {meta['Arn']}"
