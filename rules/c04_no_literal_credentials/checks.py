"""C4 — no credential written into the template: password-like values only from Secrets Manager."""

from __future__ import annotations

import re

from tapcheck.model import Model, Text, is_symbolic
from tapcheck.requirements.common import SECRET, dynamic_reference, iter_strings
from tapcheck.requirements.unit import check, violation

SECRET_KEY = re.compile(r"password|passwd|secret(string)?$", re.IGNORECASE)
# Keys that mention passwords but configure them rather than hold one.
SETTINGS = {
    "PasswordLength",
    "ManageMasterUserPassword",
    "RequireEachIncludedType",
    "GenerateSecretString",
    "MasterUserSecret",
    "SecretId",
    "SecretArn",
}


def _from_secrets_manager(value) -> bool:
    reference = dynamic_reference(value)
    return reference is not None and reference[0] == "secretsmanager"


@check("no-literal-credentials")
def no_literal_credentials(model: Model):
    """Password-like properties resolve from Secrets Manager; no literal SecretString; no defaulted password parameter."""  # noqa: E501 - a check's description is one line (registry)
    for resource in model.resources.values():
        for path, value in iter_strings(resource.properties):
            keys = [k for k in path if isinstance(k, str)]
            if not keys or not SECRET_KEY.search(keys[-1]) or keys[-1] in SETTINGS:
                continue
            if resource.type == SECRET and keys[-1] == "SecretString":
                yield violation(
                    resource,
                    path,
                    "The secret's value is written into the template",
                    "Use GenerateSecretString so Secrets Manager creates the credentials",
                )
                continue
            if _from_secrets_manager(value):
                continue
            if isinstance(value, (str, Text)) or is_symbolic(value) or isinstance(value, (int, float)):
                yield violation(
                    resource,
                    path,
                    f"{keys[-1]} is not resolved from Secrets Manager",
                    "Use {{resolve:secretsmanager:...}} to read it from the secret",
                )
    for name, declaration in model.parameters.items():
        if SECRET_KEY.search(name) and isinstance(declaration, dict) and "Default" in declaration:
            yield violation(
                None,
                f"/Parameters/{name}/Default",
                f"Parameter {name} carries a default credential",
                "Remove the parameter; credentials come from Secrets Manager",
            )
