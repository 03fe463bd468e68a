"""The gate: load -> resolve -> check -> report, for one template.

Requirement checks are pure functions of the resolved model; the external tools (cfn-lint
in-process, cfn-guard as a subprocess) run beside them and their findings are mapped onto
the same requirement ids. Waivers are applied last.
"""

from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from tapcheck.findings import Finding, Severity, Status
from tapcheck.loader import LoadedTemplate, line_of, load_template
from tapcheck.model import Model, build_model
from tapcheck.requirements import REQUIREMENTS, Requirement

ALL_TOOLS = ("cfn-lint", "cfn-guard", "control-tower")


@dataclass
class RequirementResult:
    requirement: Requirement
    status: Status
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Report:
    path: str
    results: list[RequirementResult]
    findings: list[Finding]          # every finding, blocking or not, waived or not
    tools: tuple[str, ...] = ()

    @property
    def compliant(self) -> bool:
        return not any(f.blocking for f in self.findings)

    def failed_requirements(self) -> set[str]:
        return {r.requirement.id for r in self.results if r.status is Status.FAIL}


def check_requirements(model: Model, file: str = "") -> list[Finding]:
    findings: list[Finding] = []
    for requirement in REQUIREMENTS:
        if requirement.check is None:
            continue
        for v in requirement.check(model):
            resource = model.resources.get(v.resource) if v.resource else None
            findings.append(Finding(
                requirement=requirement.id,
                rule=f"{requirement.id}.{v.rule}" if v.rule else requirement.id,
                resource=v.resource, path=v.path, message=v.message, fix=v.fix,
                severity=Severity.ERROR, source="tapcheck", file=file,
                line=resource.line if resource else None,
            ))
    return findings


def evaluate_loaded(loaded: LoadedTemplate, tools: tuple[str, ...] = ALL_TOOLS) -> Report:
    model = build_model(loaded.path, loaded.tree)
    findings = check_requirements(model, loaded.path)
    findings += run_tools(loaded, tools)
    from tapcheck.waivers import apply_waivers

    findings = apply_waivers(findings, model, sources={"tapcheck", *tools})
    return Report(loaded.path, summarize(findings), findings, tools)


def evaluate_file(path: str, tools: tuple[str, ...] = ALL_TOOLS) -> Report:
    return evaluate_loaded(load_template(path), tools)


def run_tools(loaded: LoadedTemplate, tools: tuple[str, ...]) -> list[Finding]:
    """cfn-guard subprocesses run while cfn-lint lints in this process.

    Guard rules compare raw values, so they read a copy with scalars typed as CloudFormation
    types them ("true" -> true where the schema says boolean); findings point back at the
    original file and its lines.
    """
    jobs = []
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="tapcheck-") as scratch, ThreadPoolExecutor(max_workers=2) as pool:
        if "cfn-guard" in tools or "control-tower" in tools:
            from tapcheck.normalize import write_typed_copy
            from tapcheck.tools import guard

            typed = write_typed_copy(loaded.tree, scratch)
            if "cfn-guard" in tools:
                jobs.append(pool.submit(guard.run_project_rules, typed))
            if "control-tower" in tools:
                jobs.append(pool.submit(guard.run_control_tower, typed))
        if "cfn-lint" in tools:
            from tapcheck.tools import lint

            findings += lint.run(loaded)
        for job in jobs:
            findings += [replace(f, file=loaded.path, line=line_of(loaded.tree, f.path)) for f in job.result()]
    return findings


def summarize(findings: list[Finding]) -> list[RequirementResult]:
    by_requirement: dict[str, list[Finding]] = {}
    for finding in findings:
        by_requirement.setdefault(finding.requirement, []).append(finding)
    results = []
    for requirement in REQUIREMENTS:
        own = by_requirement.get(requirement.id, [])
        if any(f.blocking for f in own):
            status = Status.FAIL
        elif any(f.waived_by for f in own):
            status = Status.WAIVED
        else:
            status = Status.PASS
        results.append(RequirementResult(requirement, status, own))
    return results
