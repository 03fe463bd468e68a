"""The gate: load -> resolve -> check -> report, for one template.

Checks are pure functions of the resolved model, discovered in the requirement folders
(rules/). The external tools (cfn-lint in-process, cfn-guard as a subprocess) run beside them
and their findings land on the same checks, through the mapping the folders declare. A
finding carries every requirement its check evidences. Waivers are applied last.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from tapcheck.findings import Finding, Severity, Status
from tapcheck.loader import LoadedTemplate, load_template, position_of
from tapcheck.model import Model, build_model, source_pointer
from tapcheck.requirements.registry import UNMAPPED, registry

if TYPE_CHECKING:
    from tapcheck.project import ProjectConfig

ALL_TOOLS = ("cfn-lint", "cfn-guard", "control-tower")


@dataclass
class RequirementResult:
    """One row of the traceability matrix."""
    id: str
    title: str
    spec: str
    checks: tuple[str, ...]
    status: Status
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Report:
    path: str
    results: list[RequirementResult]
    findings: list[Finding]          # every finding, blocking or not, waived or not
    tools: tuple[str, ...] = ()
    project: ProjectConfig | None = None    # what the project added (rules, waivers), for the header

    @property
    def compliant(self) -> bool:
        return not any(f.blocking for f in self.findings)

    def failed_requirements(self) -> set[str]:
        return {r.id for r in self.results if r.status is Status.FAIL}


@dataclass(frozen=True)
class Unchecked:
    """A template of a batch the gate could not check, and why (its line on stderr)."""
    path: str
    problem: str
    exit_code: int


def check_requirements(model: Model, file: str = "", file_tree: dict | None = None) -> list[Finding]:
    """Every static check's findings; lines and columns from file_tree (the parsed file), else the model's."""
    findings: list[Finding] = []
    file_tree = file_tree if file_tree is not None else model.raw
    reg = registry()
    for check in reg.checks.values():
        if check.function is None:
            continue
        for v in check.function(model):
            line, column = position_of(file_tree, source_pointer(model, v.path))
            findings.append(Finding(
                requirements=reg.requirements_of(check.id), check=check.id,
                rule=f"{check.id}/{v.rule}" if v.rule else check.id,
                resource=v.resource, path=v.path, message=v.message, fix=v.fix,
                severity=v.severity, source="tapcheck", file=file, line=line, column=column, advisory=v.advisory,
            ))
    return findings


def evaluate_loaded(loaded: LoadedTemplate, tools: tuple[str, ...] = ALL_TOOLS,
                    parameters: dict[str, str] | None = None, project: ProjectConfig | None = None) -> Report:
    from tapcheck import suppressions
    from tapcheck.waivers import apply_waivers

    lint_job = None
    if "cfn-lint" in tools:
        from tapcheck.tools import lint

        lint_job = lint.start(loaded)       # in a child process, when the caller allows it
    model = build_model(loaded.path, loaded.tree, parameters)
    findings = check_requirements(model, loaded.path, loaded.tree)
    findings += run_tools(loaded, model, tools, project, lint_job)
    findings = suppressions.apply(findings, suppressions.find(loaded, tools))
    extra_waivers = [project.waivers] if project is not None and project.waivers is not None else []
    findings = apply_waivers(findings, model, sources={"tapcheck", *tools}, extra=extra_waivers)
    return Report(loaded.path, summarize(findings), findings, tools, project)


def evaluate_file(path: str, tools: tuple[str, ...] = ALL_TOOLS, parameters: dict[str, str] | None = None,
                  project: ProjectConfig | None = None) -> Report:
    return evaluate_loaded(load_template(path), tools, parameters, project)


def run_tools(loaded: LoadedTemplate, model: Model, tools: tuple[str, ...],
              project: ProjectConfig | None = None, lint_job=None) -> list[Finding]:
    """cfn-guard subprocesses run while cfn-lint lints (`lint_job`: in a child process when
    `tapcheck check` allows it, else here).

    Guard rules read the resolved model rendered as a template (the same view the checks
    have); their findings point back at the original file and its lines.
    """
    jobs = []
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="tapcheck-") as scratch, ThreadPoolExecutor(max_workers=2) as pool:
        if "cfn-guard" in tools or "control-tower" in tools:
            from tapcheck.render import write_rendering
            from tapcheck.tools import guard

            # provisioned here, once, before the packs start (a first run fetches cfn-guard)
            guard.find_binary()
            if "control-tower" in tools:
                guard.control_tower_dir()
            values = {r.id: r.values for r in registry().requirements if r.values}
            rendered = write_rendering(model, scratch, values)
            if "cfn-guard" in tools:
                jobs.append(pool.submit(guard.run_project_rules, rendered))
            if "control-tower" in tools:
                jobs.append(pool.submit(guard.run_control_tower, rendered))
            if "cfn-guard" in tools and project is not None and project.rule_files:
                jobs.append(pool.submit(guard.run_extra_rules, rendered, list(project.rule_files), project.guard))
        if "cfn-lint" in tools:
            from tapcheck.tools import lint

            findings += (lint_job or lint.start(loaded)).result()
        for job in jobs:
            for finding in job.result():
                line, column = position_of(loaded.tree, source_pointer(model, finding.path))
                findings.append(replace(finding, file=loaded.path, line=line, column=column,
                                        message=_with_unknowns(finding, model)))
    return findings


def _with_unknowns(finding: Finding, model: Model) -> str:
    """A guard rule that failed on a value unknown before deploy says so."""
    from tapcheck.model import is_symbolic, show, value_at

    value = value_at(model, finding.path)
    if is_symbolic(value):
        return f"{finding.message} (the value is {show(value)})"
    return finding.message


def summarize(findings: list[Finding]) -> list[RequirementResult]:
    results = []
    reg = registry()
    rows = [(r.id, r.title, r.spec, r.checks) for r in reg.requirements]
    if any(f.breaks(UNMAPPED) for f in findings):
        rows.append((UNMAPPED, "Findings no requirement claims (a guard or tool rule missing from the mapping)",
                     "every finding must land on a requirement", ()))
    for requirement_id, title, spec, checks in rows:
        own = [f for f in findings if f.breaks(requirement_id)]
        if any(f.blocking for f in own):
            status = Status.FAIL
        elif any(f.waived_by for f in own):
            status = Status.WAIVED
        else:
            status = Status.PASS
        results.append(RequirementResult(requirement_id, title, spec, checks, status, own))
    return results
