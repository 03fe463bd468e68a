"""C7 — probes: the keys AWS reports for the cluster's storage and the secret are AWS managed."""

from __future__ import annotations

from tapcheck.live.context import Context, expect
from tapcheck.requirements.unit import probe


@probe("aws-managed-keys", title="the cluster's and the secret's KMS keys are AWS managed")
def aws_managed_keys(ctx: Context) -> str:
    kms = ctx.target.client("kms")
    key_id = ctx.cluster.get("KmsKeyId")
    expect(bool(key_id), "the cluster reports no KmsKeyId")
    meta = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    expect(
        meta.get("KeyManager") == "AWS", f"the cluster's key {key_id} is managed by {meta.get('KeyManager')}, not AWS"
    )
    secret_key = ctx.target.client("secretsmanager").describe_secret(SecretId=ctx.secret_arn).get("KmsKeyId")
    if secret_key:  # absent: Secrets Manager uses aws/secretsmanager
        secret_meta = kms.describe_key(KeyId=secret_key)["KeyMetadata"]
        expect(
            secret_meta.get("KeyManager") == "AWS",
            f"the secret's key {secret_key} is managed by {secret_meta.get('KeyManager')}, not AWS",
        )
    instance_keys = {
        i["PerformanceInsightsKMSKeyId"] for i in ctx.instances if i.get("PerformanceInsightsKMSKeyId") is not None
    }
    for key in sorted(instance_keys):
        expect(
            kms.describe_key(KeyId=key)["KeyMetadata"].get("KeyManager") == "AWS",
            f"Performance Insights data is under the customer managed key {key}",
        )
    return f"cluster {meta['Arn']} (KeyManager AWS); secret {'aws/secretsmanager' if not secret_key else secret_key}"
