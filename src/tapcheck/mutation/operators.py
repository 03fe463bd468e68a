"""Mutation operators: each breaks one check, on a copy of a compliant template.

The operators themselves live in the requirement folders (rules/<folder>/operators.py, each
marked @operator("check-id", choices)); this module collects the marks from the folders the
registry discovers and turns them into ``Operator`` objects. An operator takes a template (a
JSON-like dict, already deep-copied) and one *choice* — the value drawn for it — and edits the
template in place.
``Operator.choices(template)`` lists the deterministic choices (near misses first) that
``tapcheck score`` enumerates; hypothesis draws from the same list, plus a wider ``strategy``
where one is given. A mutant is killed when the gate blocks on a finding of the operator's
check, which carries every requirement mapped to that check.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tapcheck.mutation.locate import NotApplicable
from tapcheck.requirements.registry import RegistryError, folders, marked, registry
from tapcheck.requirements.unit import OPERATOR_MARK


@dataclass(frozen=True)
class Operator:
    name: str
    check: str
    requirements: tuple[str, ...]
    apply: Callable[[dict, Any], None]
    choices_of: Callable[[dict], list]
    tools: bool = False  # needs the full gate (cfn-lint / cfn-guard) to be killed
    strategy: Callable[[dict], Any] | None = None  # hypothesis strategy for a wider range of choices
    doc: str = field(default="", compare=False)
    folder: str = field(default="", compare=False)

    def __repr__(self) -> str:
        return f"<{self.check} {self.name}>"

    def choices(self, template: dict) -> list:
        try:
            return list(self.choices_of(template))
        except NotApplicable:
            return []

    def __call__(self, template: dict, choice: Any) -> dict:
        mutant = copy.deepcopy(template)
        self.apply(mutant, choice)
        return mutant


def _build() -> list[Operator]:
    reg = registry()
    built = []
    for folder in folders():
        for function, mark in marked(folder, "operators", OPERATOR_MARK):
            if mark.check not in reg.checks:
                raise RegistryError(
                    f"rules/{folder.name}/operators.py: operator {function.__name__} breaks "
                    f"unknown check {mark.check!r}"
                )
            choices_of = mark.choices if callable(mark.choices) else (lambda _t, fixed=list(mark.choices): fixed)
            built.append(
                Operator(
                    function.__name__,
                    mark.check,
                    reg.requirements_of(mark.check),
                    function,
                    choices_of,
                    mark.tools,
                    mark.strategy,
                    (function.__doc__ or "").strip(),
                    folder.name,
                )
            )
    return built


OPERATORS: list[Operator] = _build()


def for_requirement(requirement_id: str) -> list[Operator]:
    return [op for op in OPERATORS if requirement_id in op.requirements]
