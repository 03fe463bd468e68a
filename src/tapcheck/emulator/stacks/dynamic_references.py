"""`{{resolve:secretsmanager:...}}` and `{{resolve:ssm:...}}` dynamic references."""

from __future__ import annotations

import json
import re
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.secretsmanager.models import secretsmanager_backends
from moto.ssm.models import ssm_backends

_DYNREF = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^{}]+)\}\}")


def _resolve_one(service: str, ref: str, account_id: str, region: str) -> str:
    if service == "secretsmanager":
        parts = ref.split(":")
        if parts[0] == "arn":
            secret_id, rest = ":".join(parts[:7]), parts[7:]
        else:
            secret_id, rest = parts[0], parts[1:]
        rest += [""] * (4 - len(rest))
        _kind, json_key, stage, version = rest[:4]
        sm: Any = secretsmanager_backends[account_id][region]  # moto's hints say str where it takes None
        try:
            value = sm.get_secret_value(secret_id, version or None, stage or None)
        except Exception:  # noqa: BLE001
            raise ValidationError(
                message=f"Secrets Manager can't find the specified secret {secret_id} (dynamic reference)"
            ) from None
        text = value.get("SecretString") or ""
        if not json_key:
            return text
        try:
            doc = json.loads(text)
        except ValueError:
            raise ValidationError(message=f"secret {secret_id} is not JSON; cannot read key {json_key}") from None
        if json_key not in doc:
            raise ValidationError(message=f"Could not find SecretString key {json_key} in secret {secret_id}")
        return str(doc[json_key])
    name = ref.split(":")[0]
    param = ssm_backends[account_id][region].get_parameter(name)
    if param is None:
        raise ValidationError(message=f"SSM parameter {name} not found (dynamic reference)")
    return param.value


def resolve_dynamic_references(value: Any, account_id: str, region: str) -> Any:
    if isinstance(value, str) and "{{resolve:" in value:
        return _DYNREF.sub(lambda m: _resolve_one(m.group(1), m.group(2), account_id, region), value)
    if isinstance(value, dict):
        return {k: resolve_dynamic_references(v, account_id, region) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_dynamic_references(v, account_id, region) for v in value]
    return value
