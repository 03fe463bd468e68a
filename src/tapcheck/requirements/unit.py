"""What a requirement folder (rules/<id>_<slug>/) is made of, and the decorators its modules use.

A folder holds one requirement of the specification:

- ``requirement.toml``  id, title, the spec sentence, AWS documentation links, its values as
                        data, the checks that evidence it, the guard rules and tool rules of
                        its checks, the hardening controls its checks contradict
                        (``conflicts_with``: what a waiver it forces may cover), and why
                        no live probe can exist (when none can);
- ``checks.py``         static checks, each ``@check("check-id")``: a function of the resolved
                        model yielding ``Violation``s;
- ``*.guard``           cfn-guard rules (with ``tests/<rule>_tests.yml``), each mapped to a check;
- ``probes.py``         live probes, each ``@probe("check-id", ...)``;
- ``operators.py``      mutation operators, each ``@operator("check-id", choices)``;
- ``examples.py``       ``passing_example(template)`` and ``failing_example(template)``.

A check is the unit of evidence. Requirements that share a fact (C3 and R4 both need a 7-day
retention) list the same check, so one defect is one finding carrying every requirement id
the mapping gives it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tapcheck.findings import Severity
from tapcheck.model import Model, Resource

CHECK_MARK = "__tapcheck_check__"
PROBE_MARK = "__tapcheck_probe__"
OPERATOR_MARK = "__tapcheck_operator__"

KINDS = {"R": "requirement", "C": "constraint", "S": "specification", "H": "hardening"}


@dataclass(frozen=True)
class Violation:
    """What a check found wrong: where, what, and how to fix it."""

    resource: str | None
    path: str  # JSON pointer into the template
    message: str
    fix: str
    rule: str = ""  # a finer name inside the check: backup-retention/absent
    severity: Severity = Severity.ERROR
    advisory: bool = False  # reported, never blocking (tapcheck.findings.Finding.advisory)


def violation(resource: Resource | None, path: str | tuple, message: str, fix: str, rule: str = "") -> Violation:
    """A Violation at a property path of a resource (tuple) or at a JSON pointer (str)."""
    if isinstance(path, tuple):
        pointer = resource.pointer(*path) if resource else "/" + "/".join(map(str, path))
    else:
        pointer = path or (f"/Resources/{resource.logical_id}" if resource else "/")
    return Violation(resource.logical_id if resource else None, pointer, message, fix, rule)


def advisory(
    resource: Resource | None,
    path: str | tuple,
    message: str,
    fix: str,
    rule: str = "",
    severity: Severity = Severity.INFO,
) -> Violation:
    """A non-blocking finding: a warning that something cannot be decided (severity WARNING), or a
    note on what AWS warns about (INFO). Rendered by every report format, never failing the gate."""
    found = violation(resource, path, message, fix, rule)
    return Violation(found.resource, found.path, message, fix, rule, severity, True)


CheckFunction = Callable[[Model], Iterable[Violation]]


@dataclass
class Check:
    """A fact about the template, checked statically, and everything else that evidences it."""

    id: str
    folder: str  # the requirement folder that defines it
    function: CheckFunction | None = None  # None: evidence comes from tools alone (cfn-lint, Control Tower)
    doc: str = ""
    guard_rules: tuple[str, ...] = ()  # cfn-guard rules (by rule name) that implement it
    tool_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tool -> rule ids mapped to it
    requirements: tuple[str, ...] = ()  # filled from every requirement.toml that lists it


@dataclass
class Requirement:
    id: str  # R1..R10, C1..C10, S*, H*
    title: str
    spec: str  # the sentence of the specification it comes from
    folder: str  # rules/<folder>
    aws_docs: tuple[str, ...]
    checks: tuple[str, ...]  # ids of the checks that evidence it
    values: dict[str, Any]
    no_probe_reason: str | None
    security_severity: float | None = None  # 0-10, for security findings (SARIF security-severity)
    # hardening controls (Control Tower ids) this requirement's checks contradict: only such a
    # requirement may force a waiver of one (rules/waivers.yaml, tapcheck.waivers)
    conflicts_with: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return KINDS[self.id[0]]

    @property
    def number(self) -> int:
        return int(self.id[1:])


# --- decorators the folder modules use --------------------------------------------------------


def check(check_id: str) -> Callable[[CheckFunction], CheckFunction]:
    """Mark a function of the model as the static check `check_id`."""

    def mark(function: CheckFunction) -> CheckFunction:
        setattr(function, CHECK_MARK, check_id)
        return function

    return mark


@dataclass(frozen=True)
class ProbeMark:
    checks: tuple[str, ...]
    title: str
    plane: str  # control (AWS APIs) | data (the database itself) | behaviour (drives the stack)
    per_endpoint: bool  # run once on the writer and once on the reader endpoint: function(ctx, role)


def probe(
    *checks: str, title: str, plane: str = "control", per_endpoint: bool = False
) -> Callable[[Callable], Callable]:
    """Mark a function of a live context as a probe proving `checks` on a deployed stack."""

    def mark(function: Callable) -> Callable:
        setattr(function, PROBE_MARK, ProbeMark(tuple(checks), title, plane, per_endpoint))
        return function

    return mark


@dataclass(frozen=True)
class OperatorMark:
    check: str
    choices: Any  # a list, or a function of the template giving one
    tools: bool  # killed only by the full gate (cfn-lint / cfn-guard)
    strategy: Callable[[dict], Any] | None


def operator(
    check_id: str,
    choices: Iterable | Callable[[dict], Iterable] = (None,),
    *,
    tools: bool = False,
    strategy: Callable[[dict], Any] | None = None,
) -> Callable[[Callable], Callable]:
    """Mark a mutation operator that breaks check `check_id` (so every requirement mapped to it)."""

    def mark(function: Callable) -> Callable:
        fixed = choices if callable(choices) else list(choices)
        setattr(function, OPERATOR_MARK, OperatorMark(check_id, fixed, tools, strategy))
        return function

    return mark


# --- a folder's own data ------------------------------------------------------------------------


@cache
def folder_data(folder: Path) -> dict:
    with open(folder / "requirement.toml", "rb") as handle:
        return tomllib.load(handle)


def values(module_file: str) -> dict[str, Any]:
    """The [values] of the requirement folder a module lives in: write a value once, read it here."""
    return dict(folder_data(Path(module_file).resolve().parent).get("values", {}))
