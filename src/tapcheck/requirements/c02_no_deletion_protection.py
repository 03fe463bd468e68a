"""C2 — deletion protection disabled, so the stack can be torn down."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import CLUSTER, INSTANCE, flag_violations, of_the_cluster, props
from tapcheck.requirements.r03_protection_encryption import deletion_protection_violations

SPEC = "Deletion protection disabled for testing (seed C2)"


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from deletion_protection_violations(cluster, "cluster")
    for instance in model.of_type(INSTANCE):
        yield from flag_violations(instance, "DeletionProtection", False, False,
                                   "The instance has deletion protection on ({value!r})",
                                   "Remove DeletionProtection from the instance", "instance")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["DeletionProtection"] = "false"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["DeletionProtection"] = True


REQUIREMENT = Requirement("C2", "Deletion protection off", SPEC, check, passing_example, failing_example)
