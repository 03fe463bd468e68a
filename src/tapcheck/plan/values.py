"""Resolved property values in one canonical form, so two versions compare by meaning.

Scalars are typed as the resource schema types them (CloudFormation sends "7" as 7 where the
schema says number), arrays the schema marks `insertionOrder: false` compare as multisets,
mappings ignore key order, and Fn::Sub / Fn::Join of the same pieces are one Text.

References to resources stay symbolic. On the new side, a Ref to a resource that this update
replaces (or creates anew) is a *new* value: replacement "generates a new physical ID"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html).
A GetAtt of such a resource only *may* change (an endpoint port, say, need not), so it is
canonicalised twice: as old (assume unchanged) and as new (assume changed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tapcheck.model import AttrRef, ParamRef, PseudoRef, ResourceRef, Text, Unknown, as_bool, as_number, as_str
from tapcheck.plan import schema as schemas
from tapcheck.value_paths import MISSING


class Renewed:
    """Which resources get a new physical id in this update, as seen from the new template."""

    def __init__(self, refs: Iterable[str] = (), attributes: bool = False) -> None:
        self.refs = frozenset(refs)
        self.attributes = attributes  # also treat GetAtt of those resources as changed

    def ref(self, logical_id: str) -> str:
        return "new" if logical_id in self.refs else "same"

    def attr(self, logical_id: str) -> str:
        return "new" if self.attributes and logical_id in self.refs else "same"


UNCHANGED = Renewed()


def canonical(value: Any, node: dict, root: dict, renewed: Renewed = UNCHANGED) -> Any:
    """A hashable form of a resolved value; equal forms mean CloudFormation sees no change."""
    if value is MISSING:
        return MISSING
    if isinstance(value, ResourceRef):
        return ("ref", value.logical_id, renewed.ref(value.logical_id))
    if isinstance(value, AttrRef):
        return ("attr", value.logical_id, value.attribute, renewed.attr(value.logical_id))
    if isinstance(value, ParamRef):
        return ("param", value.name)
    if isinstance(value, PseudoRef):
        return ("pseudo", value.name)
    if isinstance(value, Unknown):
        return ("unknown", value.reason)
    if isinstance(value, Text):
        return (
            "text",
            tuple(("s", str(p)) if isinstance(p, str) else canonical(p, {}, root, renewed) for p in value.parts),
        )
    resolved = schemas.resolve_ref(node, root)
    if isinstance(value, dict):
        return (
            "obj",
            tuple(
                sorted(
                    (str(k), canonical(v, schemas.child(resolved, root, str(k)), root, renewed))
                    for k, v in value.items()
                )
            ),
        )
    if isinstance(value, list):
        items_node = schemas.child(resolved, root, None)
        items = [canonical(v, items_node, root, renewed) for v in value]
        if resolved.get("insertionOrder") is False:
            return ("bag", tuple(sorted(items, key=repr)))
        return ("list", tuple(items))
    return _scalar(value, resolved.get("type"))


def _scalar(value: Any, kind: Any) -> Any:
    if kind in ("integer", "number"):
        number = as_number(value)
        if number is not None:
            return ("num", number)
    if kind == "boolean":
        flag = as_bool(value)
        if flag is not None:
            return ("bool", flag)
    literal = as_str(value)
    return ("str", literal) if literal is not None else ("other", repr(value))


def contains_unknown(value: Any) -> bool:
    if isinstance(value, Unknown):
        return True
    if isinstance(value, Text):
        return any(isinstance(p, Unknown) for p in value.parts)
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def plain(value: Any, bools_as_text: bool = False) -> Any:
    """Raw template nodes as plain JSON values (cfn-lint's node classes dropped); with
    `bools_as_text`, booleans as the strings "true"/"false" too."""
    if isinstance(value, dict):
        return {str(k): plain(v, bools_as_text) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, bools_as_text) for v in value]
    if isinstance(value, str):
        return str(value)
    if bools_as_text and isinstance(value, bool):
        return "true" if value else "false"
    return value


def flat_text(value: Any) -> str:
    """A string with symbols written as ${Name}: how a name or a dynamic reference reads."""
    if isinstance(value, Text):
        return "".join(str(p) if isinstance(p, str) else flat_text(p) for p in value.parts)
    if isinstance(value, str):
        return str(value)
    return _show(value)


# --- display ---------------------------------------------------------------------------------


def is_sensitive(property_name: str) -> bool:
    """Values never printed: passwords, tokens, literal secret strings."""
    lowered = property_name.lower()
    return "password" in lowered or "authtoken" in lowered or lowered == "secretstring"


def show(value: Any, limit: int = 80) -> str:
    """A short human form of a resolved value."""
    text = _show(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    if isinstance(value, ResourceRef):
        return "${" + value.logical_id + "}"
    if isinstance(value, AttrRef):
        return "${" + f"{value.logical_id}.{value.attribute}" + "}"
    if isinstance(value, (ParamRef, PseudoRef)):
        return "${" + value.name + "}"
    if isinstance(value, Unknown):
        return f"<{value.reason}>"
    if isinstance(value, Text):
        return "".join(str(p) if isinstance(p, str) else _show(p) for p in value.parts)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(str(value))
    literal = as_str(value)
    return literal if literal is not None else repr(value)
