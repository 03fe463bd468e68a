"""R3 — deletion protection disabled, storage encrypted with KMS."""

from __future__ import annotations

from tapcheck.model import Model, as_bool
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import CLUSTER, props, the_cluster

SPEC = "Deletion protection disabled and KMS encryption enabled (seed R3)"


def deletion_protection_violations(model: Model, rule: str):
    cluster, problems = the_cluster(model)
    yield from problems
    if cluster is None:
        return
    value = cluster.get("DeletionProtection", False)   # RDS default: off
    if as_bool(value) is not False:
        yield violation(cluster, ("DeletionProtection",), f"DeletionProtection is {value!r}; the spec requires it off",
                        "Set DeletionProtection to false", rule)


def encryption_violations(model: Model, rule: str):
    cluster, problems = the_cluster(model)
    yield from problems
    if cluster is None:
        return
    value = cluster.get("StorageEncrypted", False)     # Aurora default: unencrypted
    if as_bool(value) is not True:
        yield violation(cluster, ("StorageEncrypted",), f"StorageEncrypted is {value!r}: storage is not encrypted",
                        "Set StorageEncrypted to true", rule)


def check(model: Model):
    yield from deletion_protection_violations(model, "deletion-protection")
    yield from encryption_violations(model, "storage-encrypted")


def passing_example(template: dict) -> None:
    props(template, CLUSTER).update(StorageEncrypted="true")
    props(template, CLUSTER).pop("DeletionProtection", None)          # default is off


def failing_example(template: dict) -> None:
    props(template, CLUSTER).pop("StorageEncrypted")                  # Aurora's default: unencrypted


REQUIREMENT = Requirement("R3", "Deletion protection off, storage encrypted", SPEC, check,
                          passing_example, failing_example)
