"""The values found at one path of a resource-schema property (`createOnlyProperties` style,
`*` standing for every item of an array), shared by `tapcheck plan` (plan/diff.py) and the
emulator's stack updates (emulator/stacks/update_rules.py), so both read a path alike."""

from __future__ import annotations

from typing import Any

# Stands for "no value here": a property or key absent on one side of a comparison.
MISSING = ("missing",)


def values_at(value: Any, path: tuple[str, ...]) -> list[Any]:
    """Every value at `path` under `value`, MISSING where the path leads nowhere. `*` walks each
    item of a list (none for an empty list); a key of a mapping walks into it."""
    if not path:
        return [value]
    head, rest = path[0], path[1:]
    if head == "*":
        return [v for item in value for v in values_at(item, rest)] if isinstance(value, list) else [MISSING]
    if isinstance(value, dict):
        return values_at(value.get(head, MISSING), rest)
    return [MISSING]
