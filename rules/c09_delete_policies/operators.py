"""C9 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import resources
from tapcheck.requirements.common import CLUSTER, INSTANCE
from tapcheck.requirements.unit import operator


def _policy_choices(t):
    out: list[tuple[int, str, str | None]] = []
    for index, (_, resource) in enumerate(resources(t)):
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy"):
            out += [(index, attribute, "Retain"), (index, attribute, "RetainExceptOnCreate")]
        if resource.get("Type") in (CLUSTER, INSTANCE):
            out += [(index, "DeletionPolicy", "Snapshot"), (index, "UpdateReplacePolicy", "Snapshot")]
    cluster_index = next(i for i, (_, r) in enumerate(resources(t)) if r.get("Type") == CLUSTER)
    out.append((cluster_index, "DeletionPolicy", None))  # a DB cluster's DeletionPolicy defaults to Snapshot
    return out


@operator("delete-policies", _policy_choices)
def policy_not_delete(t, choice):
    """Retain, Snapshot, RetainExceptOnCreate, or the cluster's DeletionPolicy dropped (default Snapshot).
    (An UpdateReplacePolicy dropped is no break: its default is Delete for every type.)"""
    index, attribute, value = choice
    resource = resources(t)[index][1]
    if value is None:
        resource.pop(attribute, None)
    else:
        resource[attribute] = value
