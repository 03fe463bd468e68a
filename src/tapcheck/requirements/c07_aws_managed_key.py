"""C7 — encryption at rest with the AWS managed key, never a customer key."""

from __future__ import annotations

import re

from tapcheck.model import Model, PseudoRef, Resource, Text, params_in
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, INSTANCE, SECRET, of_the_cluster, props
from tapcheck.requirements.r03_protection_encryption import encryption_violations

SPEC = "Encryption at rest with AWS managed keys (seed C7)"


def is_aws_managed(value, service: str) -> bool:
    """Absent (the service's AWS managed key) or alias/aws/<service>, by name or ARN."""
    if value is None:
        return True
    if params_in(value):
        return False          # a deploy-time parameter can name any key, whatever its default
    if isinstance(value, Text):
        # arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:alias/aws/<service>
        first, last = value.parts[0], value.parts[-1]
        return (isinstance(first, str) and first.startswith("arn:") and isinstance(last, str)
                and last.endswith(f":alias/aws/{service}")
                and all(isinstance(p, (str, PseudoRef)) for p in value.parts))
    if not isinstance(value, str):
        return False          # a Ref to a KMS key of this template or a parameter: a customer key
    return re.fullmatch(rf"(arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{{12}}:)?alias/aws/{service}", str(value)) is not None


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from encryption_violations(cluster, "storage-encrypted")
    keyed = [(cluster, "KmsKeyId", "rds")]
    keyed += [(i, "PerformanceInsightsKMSKeyId", "rds") for i in model.of_type(INSTANCE)]
    keyed += [(s, "KmsKeyId", "secretsmanager") for s in model.of_type(SECRET)]
    for resource, prop, service in keyed:
        value = resource.get(prop)
        if not is_aws_managed(value, service):
            yield violation(resource, (prop,), f"{prop} names a customer managed key ({value!r})",
                            f"Remove {prop} (or use alias/aws/{service}) to encrypt with the AWS managed key", "key")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["KmsKeyId"] = "alias/aws/rds"


def failing_example(template: dict) -> None:
    template["Resources"]["CustomerKey"] = {
        "Type": "AWS::KMS::Key", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
        "Properties": {"EnableKeyRotation": True, "Tags": [
            {"Key": "Environment", "Value": "Production"}, {"Key": "ManagedBy", "Value": "CloudFormation"},
            {"Key": "Name", "Value": {"Fn::Sub": "aurora-key-${EnvironmentSuffix}"}}]}}
    props(template, CLUSTER)["KmsKeyId"] = {"Fn::GetAtt": ["CustomerKey", "Arn"]}


REQUIREMENT = Requirement("C7", "AWS managed encryption key", SPEC, check, passing_example, failing_example)
