"""AWS::KMS::Key: moto's key, created as CloudFormation creates one.

moto's own model hands the template's Tags ({Key, Value}) to a backend that expects
{TagKey, TagValue}, and the KeyPolicy object where the API keeps a JSON string; this model does
both as the KMS API does. Deleting the resource schedules the key's deletion after
PendingWindowInDays (7-30, default 30), as CloudFormation does:
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-kms-key.html
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.kms.models import kms_backends

from tapcheck.emulator.resources.base import AttributeReaders, EmulatedResource, as_bool, tag_list

DEFAULT_PENDING_WINDOW_DAYS = 30


class KmsKey(EmulatedResource):
    CFN_TYPE = "AWS::KMS::Key"
    ATTRIBUTES: ClassVar[AttributeReaders] = {
        "Arn": lambda wrapper: wrapper.obj.arn,
        "KeyId": lambda wrapper: wrapper.obj.id,
    }

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str,
        **kwargs: Any,
    ) -> "KmsKey":
        props = cloudformation_json.get("Properties") or {}
        backend = kms_backends[account_id][region_name]
        policy = props.get("KeyPolicy")
        key = backend.create_key(
            policy=json.dumps(policy) if isinstance(policy, (dict, list)) else policy,
            key_usage=props.get("KeyUsage", "ENCRYPT_DECRYPT"), key_spec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            description=props.get("Description") or "", tags=[{"TagKey": t["Key"], "TagValue": t["Value"]}
                                                               for t in tag_list(props)],
        )
        key.key_rotation_status = as_bool(props.get("EnableKeyRotation"))
        key.enabled = as_bool(props.get("Enabled"), True)
        wrapper = cls(key.id, account_id, region_name, key)
        wrapper.pending_window = int(props.get("PendingWindowInDays", DEFAULT_PENDING_WINDOW_DAYS))
        return wrapper

    UPDATABLE = frozenset({"Description", "KeyPolicy", "EnableKeyRotation", "Enabled", "PendingWindowInDays", "Tags"})

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        backend = kms_backends[self.account_id][self.region_name]
        key = self.obj
        backend.update_key_description(key.id, new.get("Description") or "")
        policy = new.get("KeyPolicy")
        if policy is not None:
            backend.put_key_policy(key.id, json.dumps(policy) if isinstance(policy, (dict, list)) else policy)
        (backend.enable_key_rotation if as_bool(new.get("EnableKeyRotation")) else backend.disable_key_rotation)(key.id)
        (backend.enable_key if as_bool(new.get("Enabled"), True) else backend.disable_key)(key.id)
        self.pending_window = int(new.get("PendingWindowInDays", DEFAULT_PENDING_WINDOW_DAYS))
        backend.tagger.delete_all_tags_for_resource(key.id)
        tags = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tag_list(new)]
        if tags:
            backend.tagger.tag_resource(key.id, tags)

    def delete(self, account_id: str, region_name: str) -> None:
        kms_backends[account_id][region_name].schedule_key_deletion(self.physical_id,
                                                                    getattr(self, "pending_window", DEFAULT_PENDING_WINDOW_DAYS))


# On AWS, alias/aws/sns names the account's AWS managed SNS key (created on first use); moto
# knows the other alias/aws/* names but not this one.
AWS_MANAGED_SNS_ALIAS = "alias/aws/sns"


def mark_aws_managed(backend: Any, key_id: str | None) -> None:
    """A key moto made for a reserved alias/aws/* name is an AWS managed key."""
    if key_id is not None:
        backend.keys[key_id].key_manager = "AWS"
