"""R10 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import properties, taggable
from tapcheck.requirements.unit import operator

TAG_BREAKS = [
    "Environment:removed",
    "ManagedBy:removed",
    "Environment:production",
    "Environment:Prod",
    "Environment:Production ",
    "ManagedBy:Terraform",
    "ManagedBy:cloudformation",
    "duplicate",
    "all-removed",
]


@operator("required-tags", lambda t: [(i, how) for i in range(len(taggable(t))) for how in TAG_BREAKS])
def required_tag_broken(t, choice):
    """One taggable resource loses a required tag, has it misspelt (case too), or repeats a key."""
    index, how = choice
    body = properties(taggable(t)[index][1])
    tags = body["Tags"]
    if how == "duplicate":
        tags.append({"Key": "Environment", "Value": "Production"})
        return
    if how == "all-removed":
        body.pop("Tags")
        return
    key, value = how.split(":", 1)
    if value == "removed":
        body["Tags"] = [tag for tag in tags if tag.get("Key") != key]
    else:
        for tag in tags:
            if tag.get("Key") == key:
                tag["Value"] = value
