"""C10 — valid references and dependencies: none dangling, none circular, no redundant DependsOn."""

from __future__ import annotations

import re
from typing import Any, Iterator

from tapcheck.model import PSEUDO_PARAMETERS, Model
from tapcheck.requirements.base import Requirement, violation
from tapcheck.requirements.common import ALARM, CLUSTER, INSTANCE, logical_id

SPEC = "Proper error handling and resource dependencies (seed C10)"
_SUB_NAME = re.compile(r"\$\{(?!!)([^}]+)\}")


def references(node: Any, path: tuple = ()) -> Iterator[tuple[str, tuple]]:
    """(target name, path) for every Ref, Fn::GetAtt and Fn::Sub variable under node."""
    if isinstance(node, dict):
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref" and isinstance(arg, str):
                yield arg, path + (key,)
                return
            if key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else (arg[0] if isinstance(arg, list) and arg else None)
                if isinstance(target, str):
                    yield target, path + (key,)
                if isinstance(arg, list) and len(arg) > 1:
                    yield from references(arg[1], path + (key, 1))
                return
            if key == "Fn::Sub":
                text, variables = (arg[0] if arg else "", arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) else (arg, {})
                local = set(variables) if isinstance(variables, dict) else set()
                for name in _SUB_NAME.findall(text if isinstance(text, str) else ""):
                    name = name.strip()
                    if name not in local:
                        yield name.split(".", 1)[0] if "." in name and not name.startswith("AWS::") else name, path + (key,)
                if isinstance(variables, dict):
                    for var, value in variables.items():
                        yield from references(value, path + (key, 1, var))
                return
        for key, value in node.items():
            yield from references(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from references(value, path + (index,))


def check(model: Model):
    raw_resources = model.raw.get("Resources") or {}
    parameters = set(model.parameters)
    known = set(raw_resources) | parameters | PSEUDO_PARAMETERS
    edges: dict[str, set[str]] = {}
    for logical_id_, raw in raw_resources.items():
        if not isinstance(raw, dict) or logical_id_ in model.excluded:
            continue
        resource = model.resources.get(logical_id_)
        direct = set()
        for target, path in references(raw.get("Properties") or {}, ("Properties",)):
            pointer = "/Resources/" + logical_id_ + "/" + "/".join(map(str, path))
            if target not in known:
                yield violation(resource, pointer, f"Reference to {target!r}, which is neither a parameter nor a resource",
                                f"Declare {target} or fix the reference", "dangling")
            elif target in model.excluded:
                yield violation(resource, pointer, f"Reference to {target!r}, which its condition removes",
                                "Give both resources the same condition", "dangling")
            elif target in raw_resources:
                direct.add(target)
        depends = raw.get("DependsOn") or []
        depends = depends if isinstance(depends, list) else [depends]
        for position, target in enumerate(depends):
            pointer = f"/Resources/{logical_id_}/DependsOn" + (f"/{position}" if isinstance(raw.get("DependsOn"), list) else "")
            if target not in raw_resources:
                yield violation(resource, pointer, f"DependsOn {target!r}, which is not a resource",
                                "Remove it or name an existing resource", "dangling")
            elif target in direct:
                yield violation(resource, pointer,
                                f"DependsOn {target!r} is redundant: a Ref/GetAtt already orders it (cfn-lint W3005)",
                                f"Remove {target} from DependsOn", "redundant-depends-on")
        edges[logical_id_] = direct | {d for d in depends if d in raw_resources}
    for cycle in _cycles(edges):
        first_id = cycle[0]
        yield violation(model.resources.get(first_id), f"/Resources/{first_id}",
                        "Circular dependency: " + " -> ".join(cycle + [first_id]),
                        "Break the cycle by removing one of the references", "circular")
    for name, raw in (model.raw.get("Outputs") or {}).items():
        for target, path in references(raw, ()):
            if target not in known or target in model.excluded:
                yield violation(None, f"/Outputs/{name}/" + "/".join(map(str, path)),
                                f"Output {name} references {target!r}, which does not exist",
                                "Point the output at an existing resource or parameter", "dangling")


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node, or a self loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1 or node in edges.get(node, ()):
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def passing_example(template: dict) -> None:
    # An ordering the references do not already give is not redundant.
    instances = [k for k, r in template["Resources"].items() if r["Type"] == INSTANCE]
    template["Resources"][instances[1]]["DependsOn"] = instances[0]


def failing_example(template: dict) -> None:
    template["Resources"][logical_id(template, ALARM)]["DependsOn"] = [logical_id(template, CLUSTER)]


REQUIREMENT = Requirement("C10", "Valid references and dependencies", SPEC, check, passing_example, failing_example)
