"""S5 — every resource name and Name tag carries EnvironmentSuffix."""

from __future__ import annotations

from tapcheck.model import Model, params_in
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import (
    ALARM, CLUSTER, CLUSTER_PARAMETER_GROUP, INSTANCE, NAME_PROPERTY, SECRET, SUBNET_GROUP, props, tags_of,
)
from tapcheck.requirements.taggable import tag_property

SPEC = "Resource names include the EnvironmentSuffix parameter (names and Name tags)"
SUFFIX = "EnvironmentSuffix"
# The resources the specification names: these must be named. Any other resource may take a
# generated name, but a name or Name tag it does set must carry the suffix too.
MUST_BE_NAMED = {CLUSTER, INSTANCE, SUBNET_GROUP, CLUSTER_PARAMETER_GROUP, SECRET, ALARM}


def check(model: Model):
    for resource in model.resources.values():
        prop = NAME_PROPERTY.get(resource.type)
        if prop is not None:
            name = resource.get(prop)
            if name is None and resource.type in MUST_BE_NAMED:
                yield violation(resource, (prop,), f"{prop} is not set: the generated name carries no {SUFFIX}",
                                f"Set {prop} with Fn::Sub '...-${{{SUFFIX}}}'", "name")
            elif name is not None and SUFFIX not in params_in(name):
                yield violation(resource, (prop,), f"{prop} {str(name)!r} does not include {SUFFIX}",
                                f"Build {prop} with Fn::Sub '...-${{{SUFFIX}}}'", "name")
        if tag_property(resource.type) == "Tags":
            tags = tags_of(resource) or {}
            if "Name" not in tags and resource.type in MUST_BE_NAMED:
                yield violation(resource, ("Tags",), "No Name tag", f"Add a Name tag that includes {SUFFIX}", "name-tag")
            elif "Name" in tags and SUFFIX not in params_in(tags["Name"]):
                yield violation(resource, ("Tags",), f"Name tag {str(tags['Name'])!r} does not include {SUFFIX}",
                                f"Build the Name tag with Fn::Sub '...-${{{SUFFIX}}}'", "name-tag")


def passing_example(template: dict) -> None:
    props(template, SECRET)["Name"] = {"Fn::Join": ["-", ["aurora-credentials", {"Ref": SUFFIX}]]}


def failing_example(template: dict) -> None:
    props(template, SECRET)["Name"] = "aurora-credentials-prod"


REQUIREMENT = Requirement("S5", "Names carry EnvironmentSuffix", SPEC, check, passing_example, failing_example)
