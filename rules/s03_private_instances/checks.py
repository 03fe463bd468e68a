"""S3 — every DB instance is private and belongs to the cluster."""

from __future__ import annotations

from tapcheck.model import Model, as_bool, show
from tapcheck.requirements.common import INSTANCE, names, the_cluster
from tapcheck.requirements.unit import check, violation


@check("instances-in-cluster")
def instances_in_cluster(model: Model):
    """Every DB instance of the template names the cluster (Ref, or its name with DependsOn)."""
    cluster = the_cluster(model)
    for instance in model.of_type(INSTANCE):
        if cluster is None or not names(model, instance.get("DBClusterIdentifier"), cluster, instance):
            yield violation(
                instance,
                ("DBClusterIdentifier",),
                f"The DB instance's DBClusterIdentifier is {show(instance.get('DBClusterIdentifier'))}, "
                "not the cluster",
                "Set DBClusterIdentifier to !Ref the cluster",
            )


@check("instances-private")
def instances_private(model: Model):
    """Every DB instance says PubliclyAccessible false."""
    for instance in model.of_type(INSTANCE):
        # Absent, the default depends on the subnet group and the VPC, which the template does not
        # decide (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html,
        # PubliclyAccessible): the specification asks for it to be said explicitly.
        if as_bool(instance.get("PubliclyAccessible")) is not False:
            yield violation(
                instance,
                ("PubliclyAccessible",),
                f"PubliclyAccessible is {show(instance.get('PubliclyAccessible'))}, not false",
                "Set PubliclyAccessible to false",
            )
