"""Lookups several requirements share: the cluster, its instances, references by meaning."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tapcheck.model import Model, ParamRef, Resource, Str, Text, as_bool, as_str, params_in, show
from tapcheck.requirements.unit import Violation, violation

CLUSTER = "AWS::RDS::DBCluster"
INSTANCE = "AWS::RDS::DBInstance"
SUBNET_GROUP = "AWS::RDS::DBSubnetGroup"
CLUSTER_PARAMETER_GROUP = "AWS::RDS::DBClusterParameterGroup"
SECRET = "AWS::SecretsManager::Secret"
SECRET_ATTACHMENT = "AWS::SecretsManager::SecretTargetAttachment"
DB_PARAMETER_GROUP = "AWS::RDS::DBParameterGroup"
ALARM = "AWS::CloudWatch::Alarm"
TOPIC = "AWS::SNS::Topic"
KMS_KEY = "AWS::KMS::Key"
LOG_GROUP = "AWS::Logs::LogGroup"
ROLE = "AWS::IAM::Role"


def only(model: Model, resource_type: str) -> Resource | None:
    """The one resource of a type the design calls for; None when there is none or several."""
    found = model.of_type(resource_type)
    return found[0] if len(found) == 1 else None


def exactly_one(model: Model, resource_type: str, what: str) -> Iterator[Violation]:
    """The violation when the design's single resource of a type is missing or repeated."""
    found = model.of_type(resource_type)
    if not found:
        yield violation(
            None,
            "/Resources",
            f"No {resource_type} in the template: {what} is missing",
            f"Add the {resource_type} resource",
        )
    elif len(found) > 1:
        names = ", ".join(r.logical_id for r in found)
        yield violation(
            found[1],
            "",
            f"{len(found)} {resource_type} resources ({names}); the design has exactly one",
            f"Keep a single {resource_type}",
        )


def the_cluster(model: Model) -> Resource | None:
    """The template's one Aurora cluster, or None (the-cluster check reports why)."""
    return only(model, CLUSTER)


def of_the_cluster(check: Callable[[Model, Resource], Iterable[Violation]]) -> Callable[[Model], Iterator[Violation]]:
    """check(model, cluster) on the template's one Aurora cluster. Without exactly one cluster it
    says nothing: the-cluster check reports that once, under every requirement that needs it."""

    @functools.wraps(check)
    def run(model: Model) -> Iterator[Violation]:
        cluster = the_cluster(model)
        if cluster is not None:
            yield from check(model, cluster)

    return run


def flag_violations(
    resource: Resource, prop: str, expected: bool, default: bool, problem: str, fix: str, rule: str = ""
) -> Iterator[Violation]:
    """A boolean property that must be `expected`; `default` is AWS's value when it is absent.
    `problem` may name the value found as {value}."""
    value = resource.get(prop, default)
    if as_bool(value) is not expected:
        yield violation(resource, (prop,), problem.format(value=show(value)), fix, rule)


def parameter_of(model: Model, value: Any) -> str | None:
    """The template parameter a value comes straight from (Ref, or its substituted default)."""
    if isinstance(value, ParamRef):
        return value.name
    if isinstance(value, Str) and len(value.params) == 1:
        (name,) = value.params
        declaration = model.parameters.get(name) or {}
        if isinstance(declaration, dict) and as_str(declaration.get("Default")) == str(value):
            return name
    return None


# Which resource a value names is answered in one place, tapcheck.references (names, key_of, role_of, topic_of).
from tapcheck.references import NAME_PROPERTY, names  # noqa: E402,F401  (re-exported for the checks)


def instances_of(model: Model, cluster: Resource) -> list[Resource]:
    return [i for i in model.of_type(INSTANCE) if names(model, i.get("DBClusterIdentifier"), cluster, i)]


def tags_of(resource: Resource, prop: str = "Tags") -> dict | None:
    """Tags as a key -> value dict, from every shape the resource schemas use: a list of
    {Key, Value} (or lowercase {key, value}) or a map. None when they cannot be read
    statically (computed, malformed, or a repeated key, which AWS rejects)."""
    tags = resource.get(prop)
    if tags is None:
        return {}
    if isinstance(tags, dict):
        return {str(k): v for k, v in tags.items()}
    if not isinstance(tags, list):
        return None
    result: dict = {}
    for tag in tags:
        if not isinstance(tag, dict):
            return None
        key_field = "Key" if "Key" in tag else "key" if "key" in tag else None
        if key_field is None or not isinstance(tag[key_field], str):
            return None
        key = str(tag[key_field])
        if key in result:
            return None
        result[key] = tag.get("Value", tag.get("value"))
    return result


def dynamic_reference(value: Any) -> tuple[str, Any, str] | None:
    """Split `{{resolve:secretsmanager:<secret>:SecretString:<key>}}` into (service, secret, key).

    The secret part may be a Ref to a resource (kept symbolic) or literal text.
    """
    if isinstance(value, Text):
        parts = list(value.parts)
    elif isinstance(value, str):
        parts = [value]
    else:
        return None
    if len(parts) not in (1, 3) or not isinstance(parts[0], str) or not isinstance(parts[-1], str):
        return None
    head, tail = str(parts[0]), str(parts[-1])
    if len(parts) == 1:
        # the secret id keeps the parameters the text was built from (a name with ${EnvironmentSuffix})
        return _split_literal_reference(head, params_in(parts[0]))
    if not head.startswith("{{resolve:") or not tail.endswith("}}"):
        return None
    service = head[len("{{resolve:") :].rstrip(":")
    rest = tail[:-2].lstrip(":").split(":")
    key = rest[1] if len(rest) >= 2 and rest[0] == "SecretString" else ""
    return service, parts[1], key


def dynamic_reference_version(value: Any) -> tuple[str, str]:
    """(version-stage, version-id) of `{{resolve:secretsmanager:<secret>:SecretString:<key>:<stage>:<id>}}`,
    "" for a field not given (the reference's pattern:
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html)."""
    if isinstance(value, Text):
        tail = value.parts[-1] if value.parts else ""
    else:
        tail = value
    if not isinstance(tail, str) or not str(tail).endswith("}}"):
        return "", ""
    fields = str(tail)[:-2].split(":")
    if "SecretString" not in fields:
        return "", ""
    after = fields[fields.index("SecretString") + 1 :] + ["", "", ""]
    return after[1], after[2]


def _split_literal_reference(head: str, params: frozenset) -> tuple[str, Any, str] | None:
    """dynamic_reference of one literal string; the secret id is a Str remembering `params`."""
    if not (head.startswith("{{resolve:") and head.endswith("}}")):
        return None
    fields = head[len("{{resolve:") : -2].split(":")
    if fields[0] == "secretsmanager" and len(fields) >= 2:
        # secret id may be an ARN, which itself holds colons: key is after 'SecretString'
        rest = fields[1:]
        if "SecretString" in rest:
            at = rest.index("SecretString")
            key = rest[at + 1] if len(rest) > at + 1 else ""
            return "secretsmanager", Str(":".join(rest[:at]), params), key
        return "secretsmanager", Str(":".join(rest), params), ""
    return fields[0], Str(":".join(fields[1:]), params), ""


def credential_secret(model: Model, cluster: Resource) -> Resource | None:
    """The secret of this template the cluster's master password is resolved from."""
    ref = dynamic_reference(cluster.get("MasterUserPassword"))
    if ref is None or ref[0] != "secretsmanager":
        return None
    for secret in model.of_type(SECRET):
        if names(model, ref[1], secret, cluster):
            return secret
    return None


def iter_strings(value: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from iter_strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from iter_strings(v, path + (i,))
    else:
        yield path, value


# --- helpers for the examples: edit a raw template by resource type, never by logical id ----


def first(template: dict, resource_type: str) -> dict:
    for resource in template["Resources"].values():
        if resource.get("Type") == resource_type:
            return resource
    raise LookupError(resource_type)


def props(template: dict, resource_type: str) -> dict:
    return first(template, resource_type).setdefault("Properties", {})


def logical_id(template: dict, resource_type: str) -> str:
    for key, resource in template["Resources"].items():
        if resource.get("Type") == resource_type:
            return key
    raise LookupError(resource_type)
