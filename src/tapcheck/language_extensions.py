"""The AWS::LanguageExtensions transform, applied before the model resolves a template.

CloudFormation expands Fn::ForEach loops in the Conditions, Outputs and Resources sections
(resource properties included) before anything else: "The Fn::ForEach intrinsic function takes
a collection and a fragment, and applies the items in the collection to the identifier in the
provided fragment", replacing "all instances of ${Identifier} or &{Identifier}" in the output
key and value, where &{} drops the item's non-alphanumeric characters
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-foreach.html).
A Ref to the identifier inside the fragment reads the item too.

The collection is a list or a Ref to a CommaDelimitedList parameter (its given value or its
Default). A loop whose collection is not known before deploy cannot be expanded: it is left
out of the expansion and listed in `unexpanded`, never guessed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

TRANSFORM = "AWS::LanguageExtensions"
LOOP_PREFIX = "Fn::ForEach::"
SECTIONS = ("Conditions", "Outputs", "Resources")


@dataclass
class Expansion:
    template: dict
    unexpanded: dict[str, str] = field(default_factory=dict)  # loop key -> why it could not be expanded
    origins: dict[str, str] = field(default_factory=dict)  # "/Section/Key" made by a loop -> the loop's pointer


def uses_language_extensions(template: dict) -> bool:
    transform = template.get("Transform")
    names = transform if isinstance(transform, list) else [transform]
    return any(isinstance(n, str) and n == TRANSFORM for n in names)


def expand(template: dict, parameter_values: dict[str, str] | None = None) -> Expansion:
    """A copy of the template with every Fn::ForEach loop expanded (the template itself when none)."""
    if not uses_language_extensions(template) or not _has_loops(template):
        return Expansion(template)
    result = Expansion(dict(template))
    expander = _Expander(template, dict(parameter_values or {}), result.unexpanded)
    for section in SECTIONS:
        if isinstance(template.get(section), dict):
            result.template[section] = expander.mapping(template[section])
            for key, loop in expander.made_by.items():
                result.origins[f"/{section}/{key}"] = f"/{section}/{loop}"
            expander.made_by.clear()
    return result


def _has_loops(node: Any) -> bool:
    if isinstance(node, dict):
        return any(str(k).startswith(LOOP_PREFIX) or _has_loops(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_loops(v) for v in node)
    return False


class _Expander:
    def __init__(self, template: dict, values: dict[str, str], unexpanded: dict[str, str]) -> None:
        self.parameters = template.get("Parameters") or {}
        self.values = values
        self.unexpanded = unexpanded
        self.made_by: dict[str, str] = {}  # top-level key of a section -> the loop that made it
        self.depth = 0

    def mapping(self, node: dict) -> dict:
        out: dict = {}
        self.depth += 1
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(LOOP_PREFIX):
                made = self.loop(key, value)
                if self.depth == 1:
                    self.made_by.update({k: key for k in made})
                out.update(made)
            else:
                out[key] = self.value(value)
        self.depth -= 1
        return out

    def value(self, node: Any) -> Any:
        if isinstance(node, dict):
            return self.mapping(node)
        if isinstance(node, list):
            return [self.value(v) for v in node]
        return node

    def loop(self, key: str, argument: Any) -> dict:
        if not (
            isinstance(argument, list)
            and len(argument) == 3
            and isinstance(argument[0], str)
            and isinstance(argument[2], dict)
        ):
            self.unexpanded[key] = "not [Identifier, Collection, {OutputKey: OutputValue}]"
            return {}
        identifier, collection, fragment = argument
        items = self.collection(collection)
        if items is None:
            self.unexpanded[key] = "its collection is not known before deploy"
            return {}
        out: dict = {}
        for item in items:
            substituted = _substitute(copy.deepcopy(fragment), identifier, item)
            out.update(self.mapping(substituted))
        return out

    def collection(self, collection: Any) -> list[str] | None:
        if isinstance(collection, list):
            return (
                [str(item) for item in collection]
                if all(isinstance(i, (str, int, float)) for i in collection)
                else None
            )
        if isinstance(collection, dict) and list(collection) == ["Ref"] and isinstance(collection["Ref"], str):
            name = collection["Ref"]
            declaration = self.parameters.get(name)
            if not isinstance(declaration, dict):
                return None
            value = self.values.get(name, declaration.get("Default"))
            if value is None:
                return None
            return [part.strip() for part in str(value).split(",")]
        return None


def _substitute(node: Any, identifier: str, item: str) -> Any:
    plain = re.sub(r"[^A-Za-z0-9]", "", item)

    def text(value: str) -> str:
        return value.replace("${" + identifier + "}", item).replace("&{" + identifier + "}", plain)

    if isinstance(node, dict):
        if list(node) == ["Ref"] and node["Ref"] == identifier:
            return item
        return {text(k) if isinstance(k, str) else k: _substitute(v, identifier, item) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, identifier, item) for v in node]
    if isinstance(node, str):
        return text(node)
    return node
