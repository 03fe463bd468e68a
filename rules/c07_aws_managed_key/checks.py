"""C7 — the database's data at rest under AWS managed keys, never a customer key."""

from __future__ import annotations

from tapcheck.model import AttrRef, Model, ResourceRef, is_symbolic, params_in, show
from tapcheck.references import aws_managed_service, key_of
from tapcheck.requirements.common import CLUSTER, INSTANCE, SECRET
from tapcheck.requirements.unit import check, violation


def is_aws_managed(value, service: str) -> bool:
    """Absent (the service's AWS managed key) or alias/aws/<service>, by name or ARN."""
    # Absent KmsKeyId means the AWS managed key aws/<service>:
    # https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.Keys.html
    if value is None:
        return True
    if params_in(value):
        return False  # a deploy-time parameter can name any key, whatever its default
    return aws_managed_service(value) == service


@check("aws-managed-keys")
def aws_managed_keys(model: Model):
    """The cluster's storage key, the cluster's and instances' Performance Insights key and the secret's key are AWS managed."""  # noqa: E501 - a check's description is one line (registry)
    keyed = [(c, "KmsKeyId", "rds") for c in model.of_type(CLUSTER)]
    # An Aurora cluster takes Performance Insights and its key at cluster level too ("Valid for Cluster
    # Type: Aurora DB clusters and Multi-AZ DB clusters", PerformanceInsightsKmsKeyId):
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html
    keyed += [(c, "PerformanceInsightsKmsKeyId", "rds") for c in model.of_type(CLUSTER)]
    keyed += [(i, "PerformanceInsightsKMSKeyId", "rds") for i in model.of_type(INSTANCE)]
    keyed += [(s, "KmsKeyId", "secretsmanager") for s in model.of_type(SECRET)]
    for resource, prop, service in keyed:
        value = resource.get(prop)
        if is_aws_managed(value, service):
            continue
        stack_key = key_of(model, value)
        problem = (
            f"{prop} ({show(value)}) names {stack_key.logical_id}, a customer managed key of this stack"
            if stack_key is not None
            else f"{prop} is {show(value)}: a key chosen at deploy time can be a customer managed key"
            if params_in(value) or is_symbolic(value) and not isinstance(value, (ResourceRef, AttrRef))
            else f"{prop} names a customer managed key ({show(value)})"
        )
        yield violation(
            resource,
            (prop,),
            problem,
            f"Remove {prop} (or use alias/aws/{service}) to encrypt with the AWS managed key",
        )
