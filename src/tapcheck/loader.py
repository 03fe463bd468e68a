"""Load a template file (JSON or YAML, short-form tags included) or say in one line why not.

Parsing is cfn-lint's decoder, so the gate and cfn-lint read the very same tree (with line
numbers) and the file is parsed once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tapcheck.errors import UsageError

# CloudFormation's own ceiling for a template read from S3; anything bigger cannot deploy.
MAX_TEMPLATE_BYTES = 1_000_000
# Real templates nest a few dozen levels; the parsers (and cfn-guard) crash far deeper.
MAX_NESTING = 200
_BRACKETS = re.compile(r'[\[\]{}"\\]')


@dataclass
class LoadedTemplate:
    path: str
    text: str
    tree: dict  # cfn-lint node tree: dict/str subclasses carrying start_mark


def load_template(path: str, parsed: tuple[str, object] | None = None) -> LoadedTemplate:
    """The template at path; `parsed`: its (text, decoded tree) when the caller already read it
    (a directory search decodes every candidate to tell templates from other files)."""
    label = str(path)
    if parsed is not None:
        text, tree = parsed
        return LoadedTemplate(path=label, text=text, tree=validate(tree, label))
    text = read_text(path)
    return LoadedTemplate(path=label, text=text, tree=parse_text(text, label))


def read_text(path: str) -> str:
    """A template file's text, or a UsageError saying why it cannot be one."""
    label = str(path)
    if not os.path.exists(path):
        raise UsageError(label, "no such file", "pass the path of a CloudFormation template")
    if os.path.isdir(path):
        raise UsageError(label, "is a directory, not a template file", "pass a .json or .yaml template inside it")
    try:
        size = os.path.getsize(path)
        if size > MAX_TEMPLATE_BYTES:
            raise UsageError(
                label,
                f"is {size:,} bytes; CloudFormation accepts at most {MAX_TEMPLATE_BYTES:,}",
                "split the template into nested stacks",
            )
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(label, f"cannot be read: {exc.strerror or exc}", "check the file's permissions") from None
    if not raw.strip():
        raise UsageError(label, "is empty", "write a CloudFormation template with a Resources section")
    if b"\x00" in raw:
        raise UsageError(label, "holds binary data, not a JSON or YAML template", "pass the template's text file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(label, f"is not UTF-8 text (byte {exc.start})", "save the template as UTF-8") from None


def _read_timestamps_as_written() -> None:
    """YAML reads an unquoted 2010-09-09 as a date; CloudFormation takes it as the text written
    (AWSTemplateFormatVersion, an IAM policy's Version). Keep the scalar's own text, with its marks."""
    from cfnlint.decode.cfn_yaml import CfnFullLoader
    from cfnlint.decode.node import str_node

    def as_text(loader, node):
        return str_node(node.value, node.start_mark, node.end_mark)

    CfnFullLoader.add_constructor("tag:yaml.org,2002:timestamp", as_text)


def parse_text(text: str, label: str = "<template>") -> dict:
    return validate(decode(text, label), label)


def decode(text: str, label: str = "<template>") -> object:
    """The text decoded as cfn-lint decodes it (JSON or YAML, short-form tags, line marks), whatever
    its shape; a UsageError, with the line and column, when it is not JSON or YAML."""
    from cfnlint.decode.decode import decode_str

    _read_timestamps_as_written()

    if nesting_depth(text) > MAX_NESTING:
        raise UsageError(label, f"nests more than {MAX_NESTING} levels of brackets", "flatten the template")
    try:
        tree, errors = decode_str(text)
    except RecursionError:
        raise UsageError(label, "is nested too deeply to parse", "flatten the template") from None
    except Exception as exc:  # noqa: BLE001 - the decoder's own failures on pathological input
        raise UsageError(label, f"cannot be parsed: {_one_line(str(exc))}", "fix the JSON or YAML syntax") from None
    if errors:
        raise _syntax_error(text, label, errors[0])
    return tree


def _syntax_error(text: str, label: str, first) -> UsageError:
    line, column = getattr(first, "linenumber", None), getattr(first, "columnnumber", None)
    where = f" at line {line}" + (f", column {column}" if column else "") if line else ""
    if _tab_at(text, line, column) or "tab character" in str(first.message):
        # YAML indents with spaces only (YAML 1.2, section 6.1: tabs are not indentation)
        return UsageError(
            label,
            f"is not valid YAML{where}: a tab character where YAML allows only spaces ({_one_line(first.message)})",
            "indent with spaces, not tabs",
        )
    return UsageError(label, f"is not valid JSON or YAML{where}: {_one_line(first.message)}", "fix the syntax there")


def _tab_at(text: str, line: int | None, column: int | None) -> bool:
    """Whether the character cfn-lint's decoder stopped at (1-based) is a tab."""
    if not line or not column:
        return False
    lines = text.splitlines()
    return 0 < line <= len(lines) and 0 < column <= len(lines[line - 1]) and lines[line - 1][column - 1] == "\t"


def validate(tree: object, label: str = "<template>") -> dict:
    """A decoded tree that is a CloudFormation template, or a UsageError saying why not."""
    if not isinstance(tree, dict):
        raise UsageError(
            label,
            "is not a CloudFormation template (top level is not a mapping)",
            "the top level must be an object with a Resources section",
        )
    resources = tree.get("Resources")
    if resources is None:
        raise UsageError(
            label, "is not a CloudFormation template: it has no Resources section", "add a Resources section"
        )
    if not isinstance(resources, dict) or not resources:
        raise UsageError(
            label, "has an empty or malformed Resources section", "Resources must map logical ids to resources"
        )
    _check_resource_types(resources, label)
    return tree


# A registry extension (a third-party or private resource type, or a module) is named
# `Organization::Service::Type` (a module adds `::MODULE`) under an organization AWS does not keep
# for itself: "The following organization namespaces are reserved and can't be used in your
# extension names: Alexa, AMZN, Amazon, AWS, Custom, Dev"
# (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_RegisterType.html).
# No schema of it ships with cfn-lint: the gate reads such a resource but cannot type-check it.
_REGISTRY_TYPE = re.compile(r"([A-Za-z0-9]+)::[A-Za-z0-9]+::[A-Za-z0-9]+(::MODULE)?")
RESERVED_ORGANIZATIONS = frozenset({"alexa", "amzn", "amazon", "aws", "custom", "dev"})


def is_registry_type(resource_type: object) -> bool:
    found = _REGISTRY_TYPE.fullmatch(resource_type) if isinstance(resource_type, str) else None
    return found is not None and found.group(1).lower() not in RESERVED_ORGANIZATIONS


def _check_resource_types(resources: dict, label: str) -> None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    from tapcheck.resource_schemas import SCHEMA_REGION

    for logical_id, resource in resources.items():
        if str(logical_id).startswith("Fn::ForEach::"):
            continue  # a loop of AWS::LanguageExtensions: its fragment's types are checked by cfn-lint
        resource_type = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(resource_type, str) or not resource_type:
            raise UsageError(label, f"resource {logical_id} has no Type", "give every resource a Type")
        if (
            resource_type.startswith("Custom::")
            or resource_type == "AWS::CloudFormation::CustomResource"
            or is_registry_type(resource_type)
        ):
            continue
        try:
            PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type)
        except Exception:  # noqa: BLE001 - ResourceNotFoundError, or another of cfn-lint's on an odd name
            raise UsageError(
                label,
                f"resource {logical_id} has unknown type {resource_type!r}",
                "use a CloudFormation resource type (see the AWS resource type reference)",
            ) from None


def position_of(tree: dict, pointer: str) -> tuple[int | None, int | None]:
    """(line, column), 1-based, of the deepest node a JSON pointer reaches in the original file:
    the property's own key where the path names one, as cfn-lint points at it."""
    node: object = tree
    position = _mark(tree)
    for part in pointer.strip("/").split("/") if pointer.strip("/") else []:
        if isinstance(node, dict) and part in node:
            key = next((k for k in node if k == part), None)
            position = _mark(key) or _mark(node[part]) or position
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            position = _mark(node) or position
        else:
            break
    return position or (None, None)


def line_of(tree: dict, pointer: str) -> int | None:
    return position_of(tree, pointer)[0]


def _mark(node: object) -> tuple[int, int] | None:
    mark = getattr(node, "start_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else None


def nesting_depth(text: str) -> int:
    """Deepest [ / { nesting outside quoted strings (flow-style JSON or YAML)."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1  # index of the character a backslash escapes
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if in_string:
            if match.start() == escaped_at:
                continue
            if char == "\\":
                escaped_at = match.end()
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]
