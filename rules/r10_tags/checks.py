"""R10 — Environment=Production and ManagedBy=CloudFormation on every taggable resource."""

from __future__ import annotations

from tapcheck.model import Model, show
from tapcheck.requirements.common import tags_of
from tapcheck.requirements.taggable import tag_property
from tapcheck.requirements.unit import check, values, violation

REQUIRED_TAGS = values(__file__)["tags"]


@check("required-tags")
def required_tags(model: Model):
    """Every resource whose type takes tags (per the resource schemas) carries the two required tags."""
    for resource in model.resources.values():
        prop = tag_property(resource.type)
        if prop is None:
            continue
        tags = tags_of(resource, prop)
        if tags is None:
            yield violation(
                resource,
                (prop,),
                f"Tags are malformed, computed or repeat a key ({show(resource.get(prop))})",
                "Write Tags as a literal list of Key/Value pairs",
            )
            continue
        for key, value in REQUIRED_TAGS.items():
            if tags.get(key) != value:
                got = "missing" if key not in tags else show(tags[key])
                yield violation(
                    resource,
                    (prop,),
                    f"{resource.type} tag {key} is {got}, not {value!r}",
                    f"Add the tag {key}={value}",
                )
