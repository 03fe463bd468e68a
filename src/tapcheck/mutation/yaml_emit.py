"""Emit a JSON-form CloudFormation template as YAML with short-form intrinsic tags.

{"Ref": "X"} becomes `!Ref X`, {"Fn::GetAtt": ["X", "Arn"]} becomes `!GetAtt X.Arn`,
{"Fn::Sub": "..."} becomes `!Sub ...`, and every other Fn::Name becomes `!Name` over its
argument (scalar, sequence or mapping). Plain strings that YAML would read as something else
("true", "15.12") are quoted by PyYAML's resolver, so the text reads back as the same
template — except dates: authors write `AWSTemplateFormatVersion: 2010-09-09` and an IAM
policy's `Version: 2012-10-17` unquoted, CloudFormation reads them as the text written, and
so must tapcheck, so dates are emitted bare.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_QUOTED_DATE = re.compile(r"^(\s*(?:- )?[A-Za-z0-9_]+: )'(\d{4}-\d{2}-\d{2})'$", re.MULTILINE)


class Tagged:
    __slots__ = ("tag", "value")

    def __init__(self, tag: str, value: Any) -> None:
        self.tag, self.value = tag, value


class _Dumper(yaml.SafeDumper):
    def choose_scalar_style(self):
        # A short-form tag makes the scalar's type explicit, so it may stay plain (`!Ref X`,
        # not `!Ref 'X'`) whenever plain text reads back as the same characters.
        event = self.event
        if isinstance(event, yaml.ScalarEvent) and event.tag and event.tag.startswith("!") and not event.style:
            if self.analysis is None:
                self.analysis = self.analyze_scalar(event.value)
            if (
                not self.analysis.empty
                and not self.analysis.multiline
                and self.analysis.allow_block_plain
                and not self.flow_level
            ):
                return ""
        return super().choose_scalar_style()


def _represent_tagged(dumper: yaml.SafeDumper, data: Tagged):
    if isinstance(data.value, list):
        return dumper.represent_sequence(data.tag, data.value, flow_style=False)
    if isinstance(data.value, dict):
        return dumper.represent_mapping(data.tag, data.value.items(), flow_style=False)
    if isinstance(data.value, str):
        style = "'" if _needs_quotes(data.value) else None
        return dumper.represent_scalar(data.tag, data.value, style=style)
    return dumper.represent_scalar(
        data.tag, str(data.value).lower() if isinstance(data.value, bool) else str(data.value)
    )


def _needs_quotes(text: str) -> bool:
    return text == "" or text != text.strip() or any(c in text for c in "\n:#{}[],&*!|>'\"%@`") or text[0] in "-?"


def _represent_dict(dumper: yaml.SafeDumper, data: dict):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)


_Dumper.add_representer(Tagged, _represent_tagged)
_Dumper.add_representer(dict, _represent_dict)


def short_form(node: Any) -> Any:
    """The tree with intrinsic functions as Tagged nodes."""
    if isinstance(node, dict):
        if len(node) == 1:
            ((key, arg),) = node.items()
            if key == "Ref" and isinstance(arg, str):
                return Tagged("!Ref", arg)
            if key == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
                return Tagged("!GetAtt", f"{arg[0]}.{arg[1]}")
            if key.startswith("Fn::"):
                return Tagged("!" + key[len("Fn::") :], short_form(arg))
        return {str(k): short_form(v) for k, v in node.items()}
    if isinstance(node, list):
        return [short_form(v) for v in node]
    return node


def to_yaml(template: dict) -> str:
    text = yaml.dump(
        short_form(template), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False
    )
    return _QUOTED_DATE.sub(r"\1\2", text)
