"""S5 — mutation operators: each breaks one check of this folder (or one it shares), on a copy
of a compliant template."""

from __future__ import annotations

from tapcheck.mutation.locate import properties, resources, taggable
from tapcheck.requirements.common import NAME_PROPERTY
from tapcheck.requirements.unit import operator, values

MUST_BE_NAMED = set(values(__file__)["must_be_named"])


def _named(t):
    return [(i, k, r) for i, (k, r) in enumerate(resources(t)) if NAME_PROPERTY.get(r.get("Type", "")) in properties(r)]


def _name_choices(t):
    out = []
    for index, _, resource in _named(t):
        out += [(index, "literal"), (index, "other-parameter")]
        if resource["Type"] in MUST_BE_NAMED:
            out.append((index, "removed"))
    return out


@operator("names-carry-suffix", _name_choices)
def name_without_suffix(t, choice):
    """A resource name built without EnvironmentSuffix (or, where one is required, no name at all)."""
    index, how = choice
    _, key, resource = next(item for item in _named(t) if item[0] == index)
    prop = NAME_PROPERTY[resource["Type"]]
    if how == "literal":
        properties(resource)[prop] = f"{key.lower()}-prod"
    elif how == "other-parameter":
        properties(resource)[prop] = {"Fn::Sub": "x-${DatabaseName}"}
    else:
        properties(resource).pop(prop)


def _name_tag_choices(t):
    return [
        (i, how)
        for i, (_, r) in enumerate(taggable(t))
        for how in ("literal", "removed")
        if any(tag.get("Key") == "Name" for tag in properties(r)["Tags"])
        and (how == "literal" or r["Type"] in MUST_BE_NAMED)
    ]


@operator("names-carry-suffix", _name_tag_choices)
def name_tag_without_suffix(t, choice):
    index, how = choice
    body = properties(taggable(t)[index][1])
    if how == "removed":
        body["Tags"] = [tag for tag in body["Tags"] if tag.get("Key") != "Name"]
    else:
        for tag in body["Tags"]:
            if tag.get("Key") == "Name":
                tag["Value"] = "aurora-prod"
