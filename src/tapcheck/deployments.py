"""The deployments a template's Conditions tell apart but the template alone cannot decide.

A resource or an output under a Condition that compares AWS::Region, AWS::AccountId or a
parameter without a Default exists in some deployments only; every requirement must hold in each
(tapcheck.gate.check_requirements runs the checks in every one of them).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from tapcheck.model import Model, ParamRef, Resolver, as_str, build_model, is_symbolic, show

# More undecided comparisons than this and the variants are not built (2**4 models at most).
MAX_UNDECIDED_COMPARISONS = 4


@dataclass(frozen=True)
class Deployment:
    """One way the undecided comparisons behind resources' and outputs' Conditions can fall."""

    label: str  # for messages: "!Ref AWS::Region is not 'us-east-1'"
    model: Model


def deployment_variants(model: Model) -> list[Deployment]:
    """The template in each deployment its resources' and outputs' Conditions tell apart but the
    template alone cannot decide (a comparison of AWS::Region, AWS::AccountId or a parameter
    without a Default): a resource under such a Condition exists in some deployments only, and
    every requirement must hold in each. One model per possible outcome of those comparisons
    (one value cannot equal two different literals; a parameter takes one of its AllowedValues).
    Empty when every such Condition is decided, or when more than MAX_UNDECIDED_COMPARISONS
    comparisons would have to be combined."""
    if model.resolver is None:
        return []
    named = {
        str(raw["Condition"])
        for section in ("Resources", "Outputs")
        for raw in (model.raw.get(section) or {}).values()
        if isinstance(raw, dict) and raw.get("Condition") is not None
    }
    probe = Resolver(model.raw, model.given)
    outcomes = [probe.condition(name) for name in sorted(named)]  # every one: each records what it met
    if None not in outcomes:
        return []
    comparisons = probe.undecided
    if not comparisons or len(comparisons) > MAX_UNDECIDED_COMPARISONS:
        return []
    keys = sorted(comparisons)
    variants = []
    for outcome in itertools.product((True, False), repeat=len(keys)):
        assumed = dict(zip(keys, outcome))
        if not _possible(assumed, comparisons, model.raw.get("Parameters") or {}):
            continue
        label = ", ".join(_describe(comparisons[k], assumed[k]) for k in keys)
        variants.append(Deployment(label, build_model(model.path, model.raw, model.given, assumed)))
    return variants


def _possible(assumed: dict[str, bool], comparisons: dict[str, tuple[Any, Any]], declared: dict) -> bool:
    """Whether one deployment can make these comparisons fall so: a value compared with literals
    equals at most one of them (and one of its AllowedValues, for a parameter)."""
    groups: dict[str, tuple[Any, list[tuple[str, bool]]]] = {}
    for key, (left, right) in comparisons.items():
        symbol, literal = (left, right) if is_symbolic(left) else (right, left)
        if is_symbolic(literal):
            continue  # two unknowns compared: any outcome is possible
        groups.setdefault(show(symbol), (symbol, []))[1].append((as_str(literal) or "", assumed[key]))
    for symbol, outcomes in groups.values():
        if sum(1 for _, equal in outcomes if equal) > 1:
            return False
        allowed = (declared.get(symbol.name) or {}).get("AllowedValues") if isinstance(symbol, ParamRef) else None
        if isinstance(allowed, list):
            values = [as_str(v) or "" for v in allowed]
            if not any(all((value == literal) == equal for literal, equal in outcomes) for value in values):
                return False
    return True


def _describe(sides: tuple[Any, Any], equal: bool) -> str:
    left, right = sides
    symbol, literal = (left, right) if is_symbolic(left) else (right, left)
    return f"{show(symbol)} {'is' if equal else 'is not'} {show(literal)}"
