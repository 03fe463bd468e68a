"""C4 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import cluster_props, credential_secret, new_id, properties
from tapcheck.requirements.unit import operator


@operator(
    "no-literal-credentials",
    [
        "Sup3rS3cretPassw0rd!",
        12345678,
        {"Fn::Sub": "${EnvironmentSuffix}-pass-2024"},
        "{{resolve:ssm:/aurora/master-password}}",
    ],
)
def literal_master_password(t, value):
    """A password written into the template (or read from SSM, not Secrets Manager)."""
    cluster_props(t)["MasterUserPassword"] = value


@operator("no-literal-credentials", ["hunter2-hunter2-hunter2"])
def secret_string_literal(t, value):
    secret = properties(credential_secret(t)[1])
    secret.pop("GenerateSecretString")
    secret["SecretString"] = {"Fn::Sub": '{"username":"${MasterUsername}","password":"' + value + '"}'}


@operator("no-literal-credentials", ["referenced", "unused"])
def password_parameter_default(t, how):
    """A password parameter with a default value."""
    name = new_id(t, "MasterUserPassword")
    t.setdefault("Parameters", {})[name] = {
        "Type": "String",
        "NoEcho": True,
        "Default": "ChangeMe12345678",
        "Description": "Master password",
    }
    if how == "referenced":
        cluster_props(t)["MasterUserPassword"] = {"Ref": name}
