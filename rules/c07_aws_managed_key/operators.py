"""C7 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import (
    add_resource,
    cluster_instances,
    cluster_props,
    credential_secret,
    new_id,
    properties,
    set_or_remove,
)
from tapcheck.requirements.common import KMS_KEY
from tapcheck.requirements.unit import operator


@operator("storage-encrypted", [False, "false", None])
def encryption_off(t, value):
    set_or_remove(cluster_props(t), "StorageEncrypted", value)


def _customer_key(t) -> str:
    return add_resource(
        t,
        "CustomerKey",
        KMS_KEY,
        {
            "EnableKeyRotation": True,
            "KeyPolicy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                        "Action": "kms:*",
                        "Resource": "*",
                    }
                ],
            },
        },
    )


KEY_REFERENCES = [
    "getatt-arn",
    "ref-key",
    "literal-key-arn",
    "alias/my-key",
    "alias/aws/s3",
    "alias/aws/rdss",
    "arn:aws:kms:us-east-1:123456789012:alias/aws/ebs",
    "parameter",
]


def _key_value(t, how: str):
    """A KMS key reference; "parameter": Ref to a parameter defaulting to alias/aws/rds (any key at deploy time)."""
    if how == "getatt-arn":
        return {"Fn::GetAtt": [_customer_key(t), "Arn"]}
    if how == "ref-key":
        return {"Ref": _customer_key(t)}
    if how == "literal-key-arn":
        return "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    if how == "parameter":
        name = new_id(t, "KmsKeyArn")
        t.setdefault("Parameters", {})[name] = {
            "Type": "String",
            "Default": "alias/aws/rds",
            "Description": "KMS key for the cluster",
        }
        return {"Ref": name}
    return how


@operator("aws-managed-keys", KEY_REFERENCES)
def cluster_customer_key(t, how):
    """KmsKeyId naming a customer key (or the AWS managed key of another service)."""
    cluster_props(t)["KmsKeyId"] = _key_value(t, how)


@operator("aws-managed-keys", ["getatt-arn", "alias/aws/s3", "literal-key-arn"])
def performance_insights_customer_key(t, how):
    properties(cluster_instances(t)[0][1])["PerformanceInsightsKMSKeyId"] = _key_value(t, how)


@operator("aws-managed-keys", ["alias/aws/rds", "getatt-arn", "alias/mine"])
def secret_customer_key(t, how):
    """The credentials secret under a customer key — or under RDS's managed key, the wrong service."""
    properties(credential_secret(t)[1])["KmsKeyId"] = _key_value(t, how)
