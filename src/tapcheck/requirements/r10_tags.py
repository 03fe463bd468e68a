"""R10 — Environment=Production and ManagedBy=CloudFormation on every taggable resource."""

from __future__ import annotations

from tapcheck.model import Model
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import ALARM, CLUSTER, props, tags_of
from tapcheck.requirements.taggable import tag_property

SPEC = "All resources tagged with Environment=Production and ManagedBy=CloudFormation (seed R10)"
REQUIRED_TAGS = {"Environment": "Production", "ManagedBy": "CloudFormation"}


def check(model: Model):
    for resource in model.resources.values():
        prop = tag_property(resource.type)
        if prop is None:
            continue
        tags = tags_of(resource) if prop == "Tags" else (resource.get(prop) or {})
        if tags is None:
            yield violation(resource, (prop,), "Tags are malformed, computed or repeat a key",
                            "Write Tags as a literal list of Key/Value pairs", "malformed")
            continue
        for key, value in REQUIRED_TAGS.items():
            if tags.get(key) != value:
                got = "missing" if key not in tags else f"{tags[key]!r}"
                yield violation(resource, (prop,), f"{resource.type} tag {key} is {got}, not {value!r}",
                                f"Add the tag {key}={value}", key.lower())


def passing_example(template: dict) -> None:
    props(template, ALARM)["Tags"] = list(reversed(props(template, ALARM)["Tags"])) + [
        {"Key": "CostCenter", "Value": "payments"}]


def failing_example(template: dict) -> None:
    tags = props(template, CLUSTER)["Tags"]
    props(template, CLUSTER)["Tags"] = [t for t in tags if t["Key"] != "ManagedBy"]


REQUIREMENT = Requirement("R10", "Environment and ManagedBy tags on every taggable resource", SPEC, check,
                          passing_example, failing_example)
