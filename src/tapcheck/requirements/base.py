"""The unit every requirement is written as: id, spec sentence, check, and two examples."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from tapcheck.model import Model, Resource


@dataclass(frozen=True)
class Violation:
    resource: str | None
    path: str
    message: str
    fix: str
    rule: str = ""          # short slug, appended to the requirement id: R4.backup-window


def violation(resource: Resource | None, path: str | tuple, message: str, fix: str, rule: str = "") -> Violation:
    if isinstance(path, tuple):
        pointer = resource.pointer(*path) if resource else "/" + "/".join(map(str, path))
    else:
        pointer = path or (f"/Resources/{resource.logical_id}" if resource else "/")
    return Violation(resource.logical_id if resource else None, pointer, message, fix, rule)


@dataclass(frozen=True)
class Requirement:
    id: str                 # R1..R10 (requirements), C1..C10 (constraints), S* (spec details), H* (hardening)
    title: str
    spec: str               # the sentence of the specification it comes from
    check: Callable[[Model], Iterable[Violation]] | None   # None: the evidence comes from `tools` alone
    # Examples run against the real template: each edits a copy of a compliant template.
    passing_example: Callable[[dict], None]   # a rewrite that keeps the requirement met
    failing_example: Callable[[dict], None]   # a change that breaks this requirement
    tools: tuple[str, ...] = ()               # external tools whose findings also map here

    @property
    def kind(self) -> str:
        return {"R": "requirement", "C": "constraint", "S": "specification", "H": "hardening"}[self.id[0]]
