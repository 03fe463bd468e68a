"""YAML short-form intrinsic functions read as CloudFormation reads them.

moto's constructor splits `!GetAtt X.Endpoint.Address` at every dot and keeps the first two
parts (attribute "Endpoint"), and hands back YAML nodes, not values, for a sequence form
(`!GetAtt [X, Arn]`) or a mapping argument. CloudFormation's short form is
`!GetAtt logicalNameOfResource.attributeName`, where the attribute name may itself hold a dot
(`SourceSecurityGroup.OwnerAlias`,
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-getatt.html)
and a logical ID is alphanumeric
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/resources-section-structure.html):
so the split is at the first dot.

An unquoted date (`Version: 2012-10-17` in a key policy) stays the text written, as the gate
reads it (docs/aws-behaviour.md: CloudFormation's docs are silent; every AWS sample writes
these unquoted): moto's loader made it a date, which no model can serialise.
"""

from __future__ import annotations

from typing import Any

import yaml


def construct_short_form(loader: yaml.Loader, tag: str, node: yaml.Node) -> dict[str, Any]:
    key = "Ref" if tag == "!Ref" else f"Fn::{tag[1:]}"
    if isinstance(node, yaml.SequenceNode):
        value: Any = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    elif isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if tag == "!GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    else:  # YAML has no fourth kind of node
        raise yaml.constructor.ConstructorError(
            None, None, f"{tag} on an unknown node {type(node).__name__}", node.start_mark
        )
    return {key: value}


def constructors_reading_dates_as_text(loader: type[yaml.Loader]) -> dict[Any, Any]:
    """`loader`'s scalar constructors, with YAML timestamps read as the text written. moto parses
    templates with yaml.Loader; the emulator is its own process, so changing that loader's table
    changes no one else's."""
    return {**loader.yaml_constructors, "tag:yaml.org,2002:timestamp": loader.construct_yaml_str}
