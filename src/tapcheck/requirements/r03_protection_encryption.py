"""R3 — deletion protection disabled, storage encrypted with KMS."""

from __future__ import annotations

from tapcheck.model import Model, Resource
from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import CLUSTER, flag_violations, of_the_cluster, props

SPEC = "Deletion protection disabled and KMS encryption enabled (seed R3)"


def deletion_protection_violations(cluster: Resource, rule: str):
    # RDS default: off
    yield from flag_violations(cluster, "DeletionProtection", False, False,
                               "DeletionProtection is {value!r}; the spec requires it off",
                               "Set DeletionProtection to false", rule)


def encryption_violations(cluster: Resource, rule: str):
    # Aurora default: unencrypted
    yield from flag_violations(cluster, "StorageEncrypted", True, False,
                               "StorageEncrypted is {value!r}: storage is not encrypted",
                               "Set StorageEncrypted to true", rule)


@of_the_cluster
def check(model: Model, cluster: Resource):
    yield from deletion_protection_violations(cluster, "deletion-protection")
    yield from encryption_violations(cluster, "storage-encrypted")


def passing_example(template: dict) -> None:
    props(template, CLUSTER).update(StorageEncrypted="true")
    props(template, CLUSTER).pop("DeletionProtection", None)          # default is off


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("StorageEncrypted")                  # Aurora's default: unencrypted


REQUIREMENT = Requirement("R3", "Deletion protection off, storage encrypted", SPEC, check,
                          passing_example, failing_example)
