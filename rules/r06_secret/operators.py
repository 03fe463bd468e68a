"""R6 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import (
    NotApplicable,
    cluster_instances,
    cluster_props,
    credential_secret,
    duplicate,
    properties,
    rename_references,
    secret_attachment,
)
from tapcheck.requirements.unit import operator


@operator("generated-password", [31, 16, 33, "31", 64, 8])
def password_length_changed(t, length):
    properties(credential_secret(t)[1])["GenerateSecretString"]["PasswordLength"] = length


@operator("generated-password", ["/", '"', "@", " ", "'"])
def password_alphabet_allows(t, char):
    """A character RDS rejects in a master password may be generated."""
    generator = properties(credential_secret(t)[1])["GenerateSecretString"]
    generator["ExcludeCharacters"] = generator.get("ExcludeCharacters", "").replace(char, "")
    if char == " ":
        generator["IncludeSpace"] = True


@operator("generated-password")
def password_alphabet_empty(t, _):
    generator = properties(credential_secret(t)[1])["GenerateSecretString"]
    generator.update(ExcludeLowercase=True, ExcludeUppercase=True, ExcludeNumbers=True, ExcludePunctuation=True)


@operator("credentials-wiring", ["username", "pass", "Password"])
def password_reads_wrong_key(t, key):
    value = cluster_props(t)["MasterUserPassword"]
    cluster_props(t)["MasterUserPassword"] = rename_json_key(value, "password", key)


def rename_json_key(value, old: str, new: str):
    if isinstance(value, dict) and "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
        return {"Fn::Sub": value["Fn::Sub"].replace(f"SecretString:{old}", f"SecretString:{new}")}
    raise NotApplicable("MasterUserPassword form")


@operator("credentials-wiring", ["admin", "dbadmin"])
def username_literal(t, name):
    """The cluster's username typed in, not read from the secret."""
    cluster_props(t)["MasterUsername"] = name


@operator("credentials-wiring", ['{"username":"admin"}', '{"user":"${MasterUsername}"}', "not json"])
def secret_template_username(t, text):
    generator = properties(credential_secret(t)[1])["GenerateSecretString"]
    generator["SecretStringTemplate"] = {"Fn::Sub": text} if "${" in text else text


@operator("secret-attached")
def secret_attachment_removed(t, _):
    del t["Resources"][secret_attachment(t)[0]]


@operator("secret-attached", ["literal", "instance-type", "instance"])
def secret_attachment_retargeted(t, how):
    """The attachment points at something other than the cluster."""
    attachment = properties(secret_attachment(t)[1])
    if how == "literal":
        attachment["TargetId"] = "aurora-postgres-cluster-other"
    elif how == "instance-type":
        attachment["TargetType"] = "AWS::RDS::DBInstance"
    else:
        attachment["TargetId"] = {"Ref": cluster_instances(t)[0][0]}
        attachment["TargetType"] = "AWS::RDS::DBInstance"


@operator("secret-attached")
def password_from_other_secret(t, _):
    """The password is read from a second, detached secret."""
    key, _ = credential_secret(t)
    other = duplicate(t, key, "OtherSecret")
    properties(t["Resources"][other])["Name"] = {"Fn::Sub": "other-credentials-${EnvironmentSuffix}"}
    cluster_props(t)["MasterUserPassword"] = rename_references(cluster_props(t)["MasterUserPassword"], key, other)
    cluster_props(t)["MasterUsername"] = rename_references(cluster_props(t)["MasterUsername"], key, other)
