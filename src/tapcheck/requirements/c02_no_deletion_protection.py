"""C2 — deletion protection disabled, so the stack can be torn down."""

from __future__ import annotations

from tapcheck.model import Model, as_bool
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, INSTANCE, props
from tapcheck.requirements.r03_protection_encryption import deletion_protection_violations

SPEC = "Deletion protection disabled for testing (seed C2)"


def check(model: Model):
    yield from deletion_protection_violations(model, "cluster")
    for instance in model.of_type(INSTANCE):
        if as_bool(instance.get("DeletionProtection", False)) is not False:
            yield violation(instance, ("DeletionProtection",), "The instance has deletion protection on",
                            "Remove DeletionProtection from the instance", "instance")


def passing_example(template: dict) -> None:
    props(template, CLUSTER)["DeletionProtection"] = "false"


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["DeletionProtection"] = True


REQUIREMENT = Requirement("C2", "Deletion protection off", SPEC, check, passing_example, failing_example)
