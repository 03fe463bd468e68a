"""C1 — Aurora Serverless v2 auto-scaling between 0.5 and 1 ACU on every instance."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, INSTANCE, instances_of, of_the_cluster, props
from tapcheck.requirements.r02_capacity import scaling_violations

SPEC = "Aurora Serverless v2 auto-scaling (0.5-1 ACU) (seed C1)"


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from scaling_violations(cluster, "scaling")
    for instance in instances_of(model, cluster):
        if instance.get("DBInstanceClass") != "db.serverless":     # only db.serverless instances scale in ACUs
            yield violation(instance, ("DBInstanceClass",),
                            f"{instance.get('DBInstanceClass')!r} does not auto-scale; only db.serverless does",
                            "Set DBInstanceClass to db.serverless", "instance-class")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["ServerlessV2ScalingConfiguration"] = {"MinCapacity": 0.5, "MaxCapacity": 1.0}


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["DBInstanceClass"] = "db.r6g.large"


REQUIREMENT = Requirement("C1", "Serverless v2 auto-scaling 0.5–1 ACU", SPEC, check, passing_example, failing_example)
