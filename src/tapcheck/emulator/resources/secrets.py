"""AWS::SecretsManager::Secret and AWS::SecretsManager::SecretTargetAttachment."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from moto.cloudformation.exceptions import ValidationError
from moto.rds.models import rds_backends
from moto.secretsmanager.models import secretsmanager_backends

from tapcheck.emulator.resources.base import AttributeReaders, EmulatedResource, as_bool, tag_list


class Secret(EmulatedResource):
    CFN_TYPE = "AWS::SecretsManager::Secret"
    NAME_PROPERTY = "Name"
    ATTRIBUTES: ClassVar[AttributeReaders] = {"Id": lambda wrapper: wrapper.physical_id}

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> Secret:
        props = cloudformation_json["Properties"]
        backend: Any = secretsmanager_backends[account_id][region_name]  # moto's hints say str where it takes None
        backend.create_secret(
            name=resource_name,
            secret_string=_secret_string(props, backend),
            secret_binary=None,
            description=props.get("Description"),
            tags=tag_list(props),
            kms_key_id=props.get("KmsKeyId"),
            client_request_token=None,
            replica_regions=[],
            force_overwrite=False,
        )
        secret = backend.secrets[resource_name]
        return cls(secret.arn, account_id, region_name, secret)

    UPDATABLE = frozenset({"Description", "Tags", "GenerateSecretString", "SecretString", "KmsKeyId"})

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """A changed GenerateSecretString (or SecretString) writes a new secret value: the password
        is generated again, a new version becomes AWSCURRENT, and nothing that already resolved the
        old value learns of it (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2210,
        https://github.com/aws/aws-cdk/issues/7518). Description, tags and key change in place."""
        backend: Any = secretsmanager_backends[self.account_id][self.region_name]
        secret = self.obj
        if old.get("GenerateSecretString") != new.get("GenerateSecretString") or old.get("SecretString") != new.get(
            "SecretString"
        ):
            # What the secret held besides the generated value (a SecretTargetAttachment's host,
            # port...) is not carried over: the handler writes the new value whole (AWS docs are
            # silent on this; the attachment is not run again unless it changes itself).
            backend.put_secret_value(self.physical_id, _secret_string(new, backend), None, None, ["AWSCURRENT"])
        secret.description = new.get("Description")
        secret.kms_key_id = new.get("KmsKeyId")
        secret.tags = tag_list(new)

    def delete(self, account_id: str, region_name: str) -> None:
        backend: Any = secretsmanager_backends[account_id][region_name]  # moto's hints say str where it takes None
        backend.delete_secret(self.physical_id, None, True)


def _secret_string(props: dict[str, Any], backend: Any) -> str | None:
    """The secret value CloudFormation stores: SecretString as given, or GenerateSecretString's
    password, alone or under GenerateStringKey in SecretStringTemplate."""
    secret_string = props.get("SecretString")
    gen = props.get("GenerateSecretString")
    if gen is not None and secret_string is not None:
        raise ValidationError(message="SecretString and GenerateSecretString are mutually exclusive")
    if gen is None:
        return secret_string
    password = backend.get_random_password(
        password_length=int(gen.get("PasswordLength", 32)),
        exclude_characters=gen.get("ExcludeCharacters", ""),
        exclude_numbers=as_bool(gen.get("ExcludeNumbers")),
        exclude_punctuation=as_bool(gen.get("ExcludePunctuation")),
        exclude_uppercase=as_bool(gen.get("ExcludeUppercase")),
        exclude_lowercase=as_bool(gen.get("ExcludeLowercase")),
        include_space=as_bool(gen.get("IncludeSpace")),
        require_each_included_type=as_bool(gen.get("RequireEachIncludedType"), True),
    )
    password = json.loads(password)["RandomPassword"] if password.startswith("{") else password
    template = gen.get("SecretStringTemplate")
    key = gen.get("GenerateStringKey")
    if (template is None) != (key is None):
        raise ValidationError(message="GenerateSecretString: SecretStringTemplate and GenerateStringKey go together")
    if template is None:
        return password
    try:
        doc = json.loads(template)
    except ValueError as e:
        raise ValidationError(message=f"SecretStringTemplate is not valid JSON: {e}") from None
    doc[key] = password
    return json.dumps(doc)


class SecretTargetAttachment(EmulatedResource):
    CFN_TYPE = "AWS::SecretsManager::SecretTargetAttachment"

    @classmethod
    def create_from_cloudformation_json(
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> SecretTargetAttachment:
        return cls(_attach(cloudformation_json["Properties"], account_id, region_name), account_id, region_name)

    UPDATABLE = frozenset({"TargetId", "TargetType"})

    def update_in_place(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        # Attached to another database: its connection details go into the secret again.
        _attach(new, self.account_id, self.region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        return None


def _attach(props: dict[str, Any], account_id: str, region_name: str) -> str:
    """Add the target database's connection details to the secret, as AWS does; returns the
    secret's ARN (the attachment's physical id)."""
    secret_id, target_id, target_type = props["SecretId"], props["TargetId"], props["TargetType"]
    sm: Any = secretsmanager_backends[account_id][region_name]
    rds = rds_backends[account_id][region_name]
    if target_type == "AWS::RDS::DBCluster":
        cluster = rds.clusters.get(target_id.lower())
        if cluster is None:
            raise ValidationError(message=f"DB cluster {target_id} not found")
        extra: dict[str, Any] = {
            "engine": "postgres" if cluster.engine.endswith("postgresql") else "mysql",
            "host": cluster.endpoint,
            "port": cluster.port,
            "dbClusterIdentifier": cluster.db_cluster_identifier,
        }
        if cluster.database_name:
            extra["dbname"] = cluster.database_name
    elif target_type == "AWS::RDS::DBInstance":
        instance = rds.databases.get(target_id)
        if instance is None:
            raise ValidationError(message=f"DB instance {target_id} not found")
        extra = {
            "engine": instance.engine,
            "host": instance.address,
            "port": instance.port,
            "dbInstanceIdentifier": instance.db_instance_identifier,
        }
    else:
        raise ValidationError(message=f"TargetType {target_type} is not supported by the emulator")
    current = sm.get_secret_value(secret_id, None, None)
    try:
        doc = json.loads(current.get("SecretString") or "{}")
    except ValueError:
        raise ValidationError(message="the secret's SecretString is not a JSON object") from None
    doc.update(extra)
    sm.put_secret_value(secret_id, json.dumps(doc), None, None, ["AWSCURRENT"])
    return sm.secrets[secret_id].arn if secret_id in sm.secrets else secret_id
