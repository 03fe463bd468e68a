"""C2 — no DB instance turns deletion protection on either."""

from __future__ import annotations

from tapcheck.model import Model
from tapcheck.requirements.common import INSTANCE, flag_violations
from tapcheck.requirements.unit import check


@check("instance-deletion-protection-off")
def instance_deletion_protection_off(model: Model):
    """No DB instance sets DeletionProtection on."""
    for instance in model.of_type(INSTANCE):
        yield from flag_violations(
            instance,
            "DeletionProtection",
            False,
            False,
            "The instance has deletion protection on ({value})",
            "Remove DeletionProtection from the instance",
        )
