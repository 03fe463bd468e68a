"""Changes to moto's KMS: alias/aws/sns is one of the AWS managed keys' aliases, the keys made for
those aliases are AWS managed, and CreateKey and PutKeyPolicy run the key-policy lockout safety
check (resources/kms.py) unless the request sets BypassPolicyLockoutSafetyCheck."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.kms import models as kms_models
from moto.kms import responses as kms_responses
from moto.kms import utils as kms_utils
from moto.kms.models import KmsBackend
from moto.kms.responses import KmsResponse

from tapcheck.emulator.moto_patches.recorder import Recorder
from tapcheck.emulator.resources import kms

Method = Callable[..., Any]


def _generate_default_keys(moto: Method) -> Method:
    def generate_default_keys(self: KmsBackend, alias_name: str) -> str | None:
        key_id = moto(self, alias_name)
        kms.mark_aws_managed(self, key_id)
        return key_id

    return generate_default_keys


def _lockout_checked(moto: Method) -> Method:
    """CreateKey, PutKeyPolicy: the request's Policy and BypassPolicyLockoutSafetyCheck, which moto's
    backend never sees."""

    def checked(self: KmsResponse) -> Any:
        if not self._get_param("BypassPolicyLockoutSafetyCheck") and kms.locks_out(
            self._get_param("Policy"), self.current_account
        ):
            raise JsonRESTError("MalformedPolicyDocumentException", kms.LOCKOUT_MESSAGE)
        return moto(self)

    return checked


def _with_sns_alias(moto: list[str]) -> list[str]:
    return moto if kms.AWS_MANAGED_SNS_ALIAS in moto else [*moto, kms.AWS_MANAGED_SNS_ALIAS]


def declare(patches: Recorder) -> None:
    # moto's modules each hold the list under its own name: each holder gets the longer list
    for module in (kms_utils, kms_models, kms_responses):
        patches.wrap(module, "RESERVED_ALIASES", _with_sns_alias, "alias/aws/sns is reserved")
    patches.wrap(KmsBackend, "_generate_default_keys", _generate_default_keys, "alias/aws/* keys are AWS managed")
    for action in ("create_key", "put_key_policy"):
        patches.wrap(KmsResponse, action, _lockout_checked, "the lockout safety check")
