"""S5 — every resource name and Name tag carries EnvironmentSuffix."""

from __future__ import annotations

from tapcheck.model import Model, params_in, show
from tapcheck.requirements.common import NAME_PROPERTY, tags_of
from tapcheck.requirements.taggable import tag_property
from tapcheck.requirements.unit import check, values, violation

V = values(__file__)
SUFFIX = V["suffix_parameter"]
MUST_BE_NAMED = set(V["must_be_named"])


@check("names-carry-suffix")
def names_carry_suffix(model: Model):
    """Names (where the design names a resource) and Name tags are built from EnvironmentSuffix."""
    for resource in model.resources.values():
        prop = NAME_PROPERTY.get(resource.type)
        if prop is not None:
            name = resource.get(prop)
            if name is None and resource.type in MUST_BE_NAMED:
                yield violation(
                    resource,
                    (prop,),
                    f"{prop} is not set: the generated name carries no {SUFFIX}",
                    f"Set {prop} with Fn::Sub '...-${{{SUFFIX}}}'",
                    "name",
                )
            elif name is not None and SUFFIX not in params_in(name):
                yield violation(
                    resource,
                    (prop,),
                    f"{prop} {show(name)} does not include {SUFFIX}",
                    f"Build {prop} with Fn::Sub '...-${{{SUFFIX}}}'",
                    "name",
                )
        tag_prop = tag_property(resource.type)
        if tag_prop is None:
            continue
        tags = tags_of(resource, tag_prop) or {}
        if "Name" not in tags and resource.type in MUST_BE_NAMED:
            yield violation(resource, (tag_prop,), "No Name tag", f"Add a Name tag that includes {SUFFIX}", "name-tag")
        elif "Name" in tags and SUFFIX not in params_in(tags["Name"]):
            yield violation(
                resource,
                (tag_prop,),
                f"Name tag {show(tags['Name'])} does not include {SUFFIX}",
                f"Build the Name tag with Fn::Sub '...-${{{SUFFIX}}}'",
                "name-tag",
            )
