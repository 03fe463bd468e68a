"""C10 — valid references and dependencies: none dangling, none circular, no redundant DependsOn.

References are read from the raw template, branch-aware: a reference inside an Fn::If branch
CloudFormation does not take (its condition decided at the parameters' defaults) is no
reference, so a resource referred to only under its own condition is not dangling.
"""

from __future__ import annotations

from tapcheck.graphs import cycles
from tapcheck.model import PSEUDO_PARAMETERS, Model
from tapcheck.requirements.unit import check, violation
from tapcheck.template_refs import references


@check("references")
def valid_references(model: Model):
    """Every Ref/GetAtt/Sub and DependsOn names something that exists; no cycle; no redundant DependsOn."""
    raw_resources = model.raw.get("Resources") or {}
    known = set(raw_resources) | set(model.parameters) | PSEUDO_PARAMETERS
    decide = model.condition
    edges: dict[str, set[str]] = {}
    for logical_id, raw in raw_resources.items():
        if not isinstance(raw, dict) or logical_id in model.excluded:
            continue
        resource = model.resources.get(logical_id)
        direct = set()
        for target, path in references(raw.get("Properties") or {}, ("Properties",), decide):
            pointer = "/Resources/" + logical_id + "/" + "/".join(map(str, path))
            if target not in known:
                yield violation(
                    resource,
                    pointer,
                    f"Reference to {target!r}, which is neither a parameter nor a resource",
                    f"Declare {target} or fix the reference",
                    "dangling",
                )
            elif target in model.excluded:
                yield violation(
                    resource,
                    pointer,
                    f"Reference to {target!r}, which its condition {model.excluded[target]} removes",
                    "Give both resources the same condition, or guard the reference with Fn::If on that condition",
                    "dangling",
                )
            elif target in raw_resources:
                direct.add(target)
        depends = raw.get("DependsOn") or []
        depends = depends if isinstance(depends, list) else [depends]
        for position, target in enumerate(depends):
            pointer = f"/Resources/{logical_id}/DependsOn" + (
                f"/{position}" if isinstance(raw.get("DependsOn"), list) else ""
            )
            if target not in raw_resources:
                yield violation(
                    resource,
                    pointer,
                    f"DependsOn {target!r}, which is not a resource",
                    "Remove it or name an existing resource",
                    "dangling",
                )
            elif target in direct:
                yield violation(
                    resource,
                    pointer,
                    f"DependsOn {target!r} is redundant: a Ref/GetAtt already orders it (cfn-lint W3005)",
                    f"Remove {target} from DependsOn",
                    "redundant-depends-on",
                )
        edges[logical_id] = direct | {d for d in depends if d in raw_resources}
    for cycle in cycles(edges):
        first_id = cycle[0]
        yield violation(
            model.resources.get(first_id),
            f"/Resources/{first_id}",
            "Circular dependency: " + " -> ".join(cycle + [first_id]),
            "Break the cycle by removing one of the references",
            "circular",
        )
    for name, raw in (model.raw.get("Outputs") or {}).items():
        if name not in model.outputs:
            continue  # removed by its condition
        for target, path in references(raw, (), decide):
            if target not in known or target in model.excluded:
                yield violation(
                    None,
                    f"/Outputs/{name}/" + "/".join(map(str, path)),
                    f"Output {name} references {target!r}, which does not exist",
                    "Point the output at an existing resource or parameter",
                    "dangling",
                )
