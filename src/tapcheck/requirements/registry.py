"""Discovery: every requirement folder under rules/ (the package tapcheck.rules), read once.

Nothing lists requirements by hand: the gate, the probe run, the mutation engine, the guard
runs, `tapcheck requirements` and the README tables all ask this module. A folder is found
by its requirement.toml; its checks by the @check mark in checks.py. This module discovers and
nothing else: the layers that use probes and mutation operators collect them from the folders
with `marked` (tapcheck.live.collect, tapcheck.mutation.operators), so the gate never imports them.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

from tapcheck.requirements.unit import CHECK_MARK, Check, Requirement, folder_data

RULES_PACKAGE = "tapcheck.rules"
UNMAPPED = "unmapped"  # the row a finding of no known check lands on: it fails the gate
_ID = re.compile(r"^([RCSH])(\d+)$")


class RegistryError(Exception):
    """A requirement folder is inconsistent: a bug of the project, reported with the folder."""


def rules_root() -> Path:
    # located, not imported: the folders' modules are imported one by one when asked for
    spec = importlib.util.find_spec(RULES_PACKAGE)
    assert spec is not None and spec.origin, f"{RULES_PACKAGE} is not installed"
    return Path(spec.origin).resolve().parent


def folders() -> list[Path]:
    return sorted(p.parent for p in rules_root().glob("*/requirement.toml"))


def requirement_order(requirement_id: str) -> tuple[int, int]:
    """Sort key: the spec's order (requirements, constraints, spec details, hardening), then by
    number, so R10 follows R9; anything else (the `unmapped` row) last."""
    found = _ID.match(requirement_id)
    if not found:
        return 9, 0
    kind, number = found.groups()
    return "RCSH".index(kind), int(number)


def _module(folder: Path, name: str) -> ModuleType | None:
    if not (folder / f"{name}.py").is_file():
        return None
    return importlib.import_module(f"{RULES_PACKAGE}.{folder.name}.{name}")


def marked(folder: Path, module_name: str, mark: str) -> list[tuple[Callable, Any]]:
    """(function, mark) for every function of the folder's module carrying `mark`, in source order;
    [] when the folder has no such module. The module is imported only now."""
    return _marked(_module(folder, module_name), mark)


def _marked(module: ModuleType | None, mark: str) -> list[tuple[Callable, Any]]:
    if module is None:
        return []
    found = [
        (value, getattr(value, mark))
        for value in vars(module).values()
        if callable(value) and hasattr(value, mark) and getattr(value, "__module__", None) == module.__name__
    ]
    return sorted(found, key=lambda item: item[0].__code__.co_firstlineno)


@dataclass(frozen=True)
class Registry:
    requirements: tuple[Requirement, ...]
    checks: dict[str, Check]
    guard_rules: dict[str, str]  # guard rule name -> check id
    tool_rules: dict[tuple[str, str], str]  # (tool, rule id) -> check id
    # a tool's rule (Control Tower control) that, where it fires on the spot a check fails, is the
    # same defect as that check's finding: [same-defect] tables (tapcheck.findings.merge)
    same_defect: dict[str, str] = field(default_factory=dict)

    def requirement(self, requirement_id: str) -> Requirement:
        return next(r for r in self.requirements if r.id == requirement_id)

    def requirements_of(self, check_id: str) -> tuple[str, ...]:
        check = self.checks.get(check_id)
        return check.requirements if check and check.requirements else (UNMAPPED,)

    def check_of_tool_rule(self, tool: str, rule_id: str) -> str:
        """The check a tool's rule is evidence for: its own mapping, else the tool's "*" entry, else unmapped."""
        return self.tool_rules.get((tool, rule_id)) or self.tool_rules.get((tool, "*")) or UNMAPPED


@lru_cache(maxsize=1)
def registry() -> Registry:
    requirements: list[Requirement] = []
    checks: dict[str, Check] = {}
    guard_rules: dict[str, str] = {}
    tool_rules: dict[tuple[str, str], str] = {}
    same_defect: dict[str, str] = {}
    for folder in folders():
        data = folder_data(folder)
        requirement_id = str(data.get("id", ""))
        if not _ID.match(requirement_id):
            raise RegistryError(
                f"rules/{folder.name}/requirement.toml: id {requirement_id!r} is not R1, C2, S3 or H4 style"
            )
        module = _module(folder, "checks")
        for function, check_id in _marked(module, CHECK_MARK):
            if check_id in checks:
                raise RegistryError(
                    f"rules/{folder.name}: check {check_id!r} is also defined in rules/{checks[check_id].folder}"
                )
            checks[check_id] = Check(check_id, folder.name, function, (function.__doc__ or "").strip())
        for check_id, declared in (data.get("tool_checks") or {}).items():
            # checks whose evidence is a tool's alone (cfn-lint, Control Tower)
            if check_id in checks:
                raise RegistryError(f"rules/{folder.name}: tool check {check_id!r} is also a static check")
            checks[check_id] = Check(check_id, folder.name, None, str(declared))
        requirements.append(
            Requirement(
                id=requirement_id,
                title=str(data["title"]),
                spec=str(data["spec"]),
                folder=folder.name,
                aws_docs=tuple(data.get("aws_docs", ())),
                checks=tuple(data.get("checks", ())),
                values=dict(data.get("values", {})),
                no_probe_reason=data.get("no_probe_reason") or None,
                security_severity=float(data["security_severity"]) if "security_severity" in data else None,
                conflicts_with=tuple(str(c) for c in data.get("conflicts_with", ())),
            )
        )
    for folder in folders():
        data = folder_data(folder)
        for rule, check_id in (data.get("guard") or {}).items():
            guard_rules[rule] = check_id
        for tool in ("cfn-lint", "control-tower"):
            for rule, check_id in (data.get(tool) or {}).items():
                tool_rules[(tool, rule)] = check_id
        for rule, check_id in (data.get("same-defect") or {}).items():
            same_defect[rule] = check_id
    for check_id in set(guard_rules.values()) | set(tool_rules.values()) | set(same_defect.values()):
        if check_id not in checks:
            raise RegistryError(f"a guard or tool rule maps to check {check_id!r}, which no folder defines")
    for rule, check_id in guard_rules.items():
        checks[check_id].guard_rules += (rule,)
    for (tool, rule), check_id in tool_rules.items():
        checks[check_id].tool_rules.setdefault(tool, ())
        checks[check_id].tool_rules[tool] += (rule,)
    requirements.sort(key=lambda r: requirement_order(r.id))
    for requirement in requirements:
        for check_id in requirement.checks:
            if check_id not in checks:
                raise RegistryError(
                    f"rules/{requirement.folder}/requirement.toml lists check {check_id!r}, which no folder defines"
                )
            checks[check_id].requirements += (requirement.id,)
    for check in checks.values():
        check.requirements = tuple(sorted(set(check.requirements), key=requirement_order))
    return Registry(tuple(requirements), checks, guard_rules, tool_rules, same_defect)


def examples(requirement: Requirement) -> tuple[tuple[Callable, ...], tuple[Callable, ...]]:
    """(passing examples, failing examples) of a requirement: imported only when asked for."""
    module = _module(rules_root() / requirement.folder, "examples")
    names = sorted(dir(module or object))
    return (
        tuple(getattr(module, n) for n in names if n.startswith("passing_example")),
        tuple(getattr(module, n) for n in names if n.startswith("failing_example")),
    )


def values_of(requirement_id: str) -> dict[str, Any]:
    """Another requirement's [values], read without importing its modules."""
    for folder in folders():
        data = folder_data(folder)
        if data.get("id") == requirement_id:
            return dict(data.get("values", {}))
    raise KeyError(requirement_id)
