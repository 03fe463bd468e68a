"""S3 — every DB instance is private and belongs to the cluster."""

from __future__ import annotations

from tapcheck.model import Model, as_bool
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import INSTANCE, names, props, the_cluster

SPEC = "Two db.serverless instances, private (PubliclyAccessible false), members of the cluster"


def check(model: Model):
    cluster, problems = the_cluster(model)
    yield from problems
    for instance in model.of_type(INSTANCE):
        if cluster is None or not names(model, instance.get("DBClusterIdentifier"), cluster, instance):
            yield violation(instance, ("DBClusterIdentifier",), "The DB instance is not a member of the cluster",
                            "Set DBClusterIdentifier to Ref the cluster", "membership")
        # Absent, the default depends on the VPC (public in a default VPC): say it explicitly.
        if as_bool(instance.get("PubliclyAccessible")) is not False:
            yield violation(instance, ("PubliclyAccessible",),
                            f"PubliclyAccessible is {instance.get('PubliclyAccessible')!r}, not false",
                            "Set PubliclyAccessible to false", "private")


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["PubliclyAccessible"] = "false"


def failing_example(template: dict) -> None:
    props(template, INSTANCE).pop("PubliclyAccessible")


REQUIREMENT = Requirement("S3", "Instances private and in the cluster", SPEC, check, passing_example, failing_example)
