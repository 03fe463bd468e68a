"""R3 — deletion protection off on the cluster, storage encrypted."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.common import flag_violations, of_the_cluster
from tapcheck.requirements.unit import check, violation


@check("cluster-deletion-protection-off")
@of_the_cluster
def cluster_deletion_protection_off(model: Model, cluster: Resource):
    """The cluster's DeletionProtection is off (RDS's default when absent), so the stack can be torn down."""
    # AWS default false: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html
    yield from flag_violations(
        cluster,
        "DeletionProtection",
        False,
        False,
        "DeletionProtection is {value}; the spec requires it off",
        "Set DeletionProtection to false",
    )


@check("storage-encrypted")
@of_the_cluster
def storage_encrypted(model: Model, cluster: Resource):
    """The cluster's storage is encrypted (StorageEncrypted true)."""
    # Absent StorageEncrypted: clusters created since 2026-02-18 are encrypted with an AWS *owned* key, not
    # under KMS with the AWS managed key aws/rds, which StorageEncrypted true (without KmsKeyId) selects:
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html (the English page
    # found offline predates the change; its current Japanese translation states it) and
    # https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html (KmsKeyId).
    if "StorageEncrypted" not in cluster.properties:
        yield violation(
            cluster,
            ("StorageEncrypted",),
            "StorageEncrypted is absent: RDS encrypts with an AWS owned key, not with KMS under the AWS "
            "managed key aws/rds",
            "Set StorageEncrypted to true",
        )
        return
    yield from flag_violations(
        cluster,
        "StorageEncrypted",
        True,
        False,
        "StorageEncrypted is {value}: storage is not encrypted with KMS",
        "Set StorageEncrypted to true",
    )
