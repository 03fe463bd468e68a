"""C4 — credentials only through Secrets Manager: no literal password anywhere."""

from __future__ import annotations

import re

from tapcheck.model import Model, Text, is_symbolic
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, SECRET, dynamic_reference, iter_strings, props

SPEC = "AWS Secrets Manager for credentials (seed C4)"
SECRET_KEY = re.compile(r"password|passwd|secret(string)?$", re.IGNORECASE)
# Keys that mention passwords but configure them rather than hold one.
SETTINGS = {"PasswordLength", "ManageMasterUserPassword", "RequireEachIncludedType", "GenerateSecretString",
            "MasterUserSecret", "SecretId", "SecretArn"}


def check(model: Model):
    for resource in model.resources.values():
        for path, value in iter_strings(resource.properties):
            keys = [k for k in path if isinstance(k, str)]
            if not keys or not SECRET_KEY.search(keys[-1]) or keys[-1] in SETTINGS:
                continue
            if resource.type == SECRET and keys[-1] == "SecretString":
                yield violation(resource, path, "The secret's value is written into the template",
                                "Use GenerateSecretString so Secrets Manager creates the credentials", "literal-secret")
                continue
            if _from_secrets_manager(value):
                continue
            if isinstance(value, (str, Text)) or is_symbolic(value) or isinstance(value, (int, float)):
                yield violation(resource, path, f"{keys[-1]} is not resolved from Secrets Manager",
                                "Use {{resolve:secretsmanager:...}} to read it from the secret", "literal")
    for name, declaration in model.parameters.items():
        if SECRET_KEY.search(name) and isinstance(declaration, dict) and "Default" in declaration:
            yield violation(None, f"/Parameters/{name}/Default", f"Parameter {name} carries a default credential",
                            "Remove the parameter; credentials come from Secrets Manager", "parameter-default")


def _from_secrets_manager(value) -> bool:
    reference = dynamic_reference(value)
    return reference is not None and reference[0] == "secretsmanager"


def passing_example(template: dict) -> None:
    secret_id = next(k for k, r in template["Resources"].items() if r["Type"] == SECRET)
    props(template, CLUSTER)["MasterUserPassword"] = {
        "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": secret_id}, ":SecretString:password}}"]]}


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["MasterUserPassword"] = "Sup3rS3cretPassw0rd!"


REQUIREMENT = Requirement("C4", "Credentials only through Secrets Manager", SPEC, check,
                          passing_example, failing_example)
