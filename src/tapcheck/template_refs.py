"""The one walker of references in a raw template: Ref, Fn::GetAtt and Fn::Sub variables.

Used by the C10 check (dangling and circular references), by the mutation engine (what a
value points at) and by the emulator (the order it creates resources in). A `decide` function
may say which branch of an Fn::If is taken (True/False) or that it is undecidable (None, both
branches are walked), so a reference in a branch CloudFormation never takes is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")

Decide = Callable[[str], "bool | None"]


def sub_variables(text: Any) -> list[str]:
    """The ${Name} and ${Resource.Attribute} variables of an Fn::Sub string (not ${!Literal})."""
    return [v.strip() for v in _SUB_VARIABLE.findall(text)] if isinstance(text, str) else []


def references(node: Any, path: tuple = (), decide: Decide | None = None) -> Iterator[tuple[str, tuple]]:
    """(target name, path) for every Ref, Fn::GetAtt target and Fn::Sub variable under node.

    A Sub variable `X.Attr` names X; pseudo parameters (AWS::Region) are yielded as written.
    """
    if isinstance(node, list):
        for index, value in enumerate(node):
            yield from references(value, path + (index,), decide)
        return
    if not isinstance(node, dict):
        return
    if len(node) == 1:
        ((key, arg),) = node.items()
        if key == "Ref":
            if isinstance(arg, str):
                yield arg, path + (key,)
            return
        if key == "Fn::GetAtt":
            target = (
                arg.split(".", 1)[0] if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg else None)
            )
            if isinstance(target, str):
                yield target, path + (key,)
            if isinstance(arg, list) and len(arg) > 1:
                yield from references(arg[1], path + (key, 1), decide)
            return
        if key == "Fn::Sub":
            text, variables = (
                (arg[0] if arg else "", arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) else (arg, {})
            )
            local = set(variables) if isinstance(variables, dict) else set()
            for name in sub_variables(text):
                if name not in local:
                    yield (
                        (name.split(".", 1)[0] if "." in name and not name.startswith("AWS::") else name),
                        path + (key,),
                    )
            if isinstance(variables, dict):
                for var, value in variables.items():
                    yield from references(value, path + (key, 1, var), decide)
            return
        if key == "Fn::If" and decide is not None and isinstance(arg, list) and len(arg) == 3:
            taken = decide(str(arg[0]))
            if taken is not False:
                yield from references(arg[1], path + (key, 1), decide)
            if taken is not True:
                yield from references(arg[2], path + (key, 2), decide)
            return
    for key, value in node.items():
        yield from references(value, path + (key,), decide)


def referenced_ids(node: Any, decide: Decide | None = None) -> set[str]:
    """Every name node refers to (logical ids, parameters, pseudo parameters)."""
    return {target for target, _ in references(node, (), decide)}
