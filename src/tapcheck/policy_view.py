"""The template's policy documents and the names the documented requests carry, as plain text for
tapcheck.policies.evaluate: one consistent sample stack (account, region, partition) in which every
reference resolves the way CloudFormation resolves it (return values of each type's page).

The sample account and region are tokens no literal in a template can equal: a policy that writes a
literal account id or region is not shown to be this stack's own (a literal may be anyone's; the same
rule as tapcheck.references). The partition is "aws", so a literal arn:aws:... matches as it would in
the commercial partition. A value known only at deploy time (a parameter without a default, an
import) renders with tapcheck.policies.OPAQUE, which the evaluator never takes for a match or a
mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tapcheck.model import AttrRef, Model, ParamRef, PseudoRef, Resource, ResourceRef, Text, Unknown, as_str
from tapcheck.policies import OPAQUE
from tapcheck.references import NAME_PROPERTY

ACCOUNT = "stack-account"
REGION = "stack-region"
PARTITION = "aws"
STACK_NAME = "stack-name"


@dataclass(frozen=True)
class StackSample:
    model: Model
    account: str = ACCOUNT
    region: str = REGION
    partition: str = PARTITION

    # --- names and ARNs of this stack's resources ------------------------------------------------
    def name(self, resource: Resource) -> str:
        """The physical name: its name property, else the name CloudFormation generates (a token)."""
        prop = NAME_PROPERTY.get(resource.type)
        value = resource.get(prop) if prop else None
        text = self.text(value) if value is not None else f"{STACK_NAME}-{resource.logical_id}-generated"
        # RDS stores identifiers in lowercase: https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html
        return text.lower() if resource.type in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster") else text

    def key_id(self, resource: Resource) -> str:
        return f"key-{resource.logical_id}"

    def arn(self, resource: Resource) -> str:
        p, r, a = self.partition, self.region, self.account
        kind = resource.type
        if kind == "AWS::KMS::Key":
            return f"arn:{p}:kms:{r}:{a}:key/{self.key_id(resource)}"
        if kind == "AWS::SNS::Topic":
            return f"arn:{p}:sns:{r}:{a}:{self.name(resource)}"
        if kind == "AWS::CloudWatch::Alarm":
            return f"arn:{p}:cloudwatch:{r}:{a}:alarm:{self.name(resource)}"
        if kind == "AWS::IAM::Role":
            return f"arn:{p}:iam::{a}:role{self.role_path(resource)}{self.name(resource)}"
        if kind == "AWS::RDS::DBInstance":
            return f"arn:{p}:rds:{r}:{a}:db:{self.name(resource)}"
        if kind == "AWS::RDS::DBCluster":
            return f"arn:{p}:rds:{r}:{a}:cluster:{self.name(resource)}"
        if kind == "AWS::Logs::LogGroup":
            return f"arn:{p}:logs:{r}:{a}:log-group:{self.name(resource)}:*"
        if kind == "AWS::SecretsManager::Secret":
            return f"arn:{p}:secretsmanager:{r}:{a}:secret:{self.name(resource)}-AbCdEf"
        return OPAQUE + resource.logical_id

    def role_path(self, role: Resource) -> str:
        path = role.get("Path", "/")
        return self.text(path) if path is not None else "/"

    def ref(self, resource: Resource) -> str:
        """What Ref returns for the resource."""
        if resource.type == "AWS::KMS::Key":
            return self.key_id(resource)
        if resource.type in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret", "AWS::IAM::ManagedPolicy"):
            return self.arn(resource)
        if resource.type == "AWS::KMS::Alias":
            return self.text(resource.get("AliasName"))
        return self.name(resource)

    def attribute(self, resource: Resource, attribute: str) -> str:
        if attribute == "Arn" or (attribute == "TopicArn" and resource.type == "AWS::SNS::Topic"):
            return self.arn(resource)
        if attribute in ("KeyId",):
            return self.key_id(resource)
        if attribute == "TopicName":
            return self.name(resource)
        return OPAQUE + f"{resource.logical_id}.{attribute}"

    # --- resolved values as text -----------------------------------------------------------------
    def text(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        literal = as_str(value)
        if literal is not None and not isinstance(value, (dict, list)):
            return literal
        if isinstance(value, PseudoRef):
            return {
                "AWS::AccountId": self.account,
                "AWS::Region": self.region,
                "AWS::Partition": self.partition,
                "AWS::URLSuffix": "amazonaws.com",
                "AWS::StackName": STACK_NAME,
            }.get(value.name, OPAQUE + value.name)
        if isinstance(value, ResourceRef):
            resource = self.model.resources.get(value.logical_id)
            return self.ref(resource) if resource is not None else OPAQUE + value.logical_id
        if isinstance(value, AttrRef):
            resource = self.model.resources.get(value.logical_id)
            return self.attribute(resource, value.attribute) if resource is not None else OPAQUE + value.logical_id
        if isinstance(value, Text):
            return "".join(self.text(part) for part in value.parts)
        if isinstance(value, (ParamRef, Unknown)):
            return OPAQUE
        return OPAQUE

    def document(self, value: Any) -> Any:
        """A resolved policy document as plain JSON-like data (strings, lists, dicts, booleans)."""
        if isinstance(value, dict):
            return {str(k): self.document(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.document(v) for v in value]
        if isinstance(value, bool) or value is None:
            return value
        return self.text(value)
