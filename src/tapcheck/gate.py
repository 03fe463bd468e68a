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

from tapcheck.deployments import deployment_variants
from tapcheck.findings import Finding, RuleDoc, Severity, Status, merge
from tapcheck.loader import LoadedTemplate, load_template, position_of
from tapcheck.model import Model, build_model, source_pointer
from tapcheck.requirements.registry import UNMAPPED, registry
from tapcheck.tools.lint import Linting

if TYPE_CHECKING:
    from tapcheck.project import ProjectConfig
    from tapcheck.waivers import WaiverUse

ALL_TOOLS = ("cfn-lint", "cfn-guard", "control-tower")
# cfn-lint's rule for a resource type it has no schema of ("Resource type ... does not exist")
REGISTRY_TYPE_LINT_RULE = "E3006"


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
    findings: list[Finding]  # every finding, blocking or not, waived or not
    tools: tuple[str, ...] = ()
    project: ProjectConfig | None = None  # what the project added (rules, waivers), for the header
    rule_docs: dict[str, RuleDoc] = field(default_factory=dict)  # the tool rules that fired, in their words
    waiver_use: WaiverUse | None = None  # the waivers it used and could have used (a batch judges them)

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
    """Every static check's findings; lines and columns from file_tree (the parsed file), else the model's.

    A template whose resources or outputs exist in some deployments only (a Condition on
    AWS::Region, say: tapcheck.deployments) is checked in each of them: every
    requirement must hold in every deployment, and a finding of some deployments only says in
    which one it was found."""
    file_tree = file_tree if file_tree is not None else model.raw
    deployments = deployment_variants(model)
    if not deployments:
        return _check_one_model(model, model, file, file_tree)
    found = [(d.label, _check_one_model(d.model, model, file, file_tree)) for d in deployments]
    everywhere = set.intersection(*({_same_finding(f) for f in findings} for _, findings in found))
    merged: list[Finding] = []
    seen: set[tuple] = set()
    for label, findings in found:
        for finding in findings:
            key = _same_finding(finding)
            if key in seen:
                continue
            seen.add(key)
            merged.append(
                finding
                if key in everywhere
                else replace(finding, message=f"{finding.message} (in a deployment where {label})")
            )
    return merged


def _same_finding(finding: Finding) -> tuple:
    return finding.check, finding.rule, finding.path, finding.message


def _check_one_model(model: Model, base: Model, file: str, file_tree: dict) -> list[Finding]:
    """The checks on one model; positions through the template as parsed (base: its model)."""
    findings: list[Finding] = []
    reg = registry()
    for check in reg.checks.values():
        if check.function is None:
            continue
        for v in check.function(model):
            line, column = position_of(file_tree, source_pointer(base, v.path))
            findings.append(
                Finding(
                    requirements=reg.requirements_of(check.id),
                    check=check.id,
                    rule=f"{check.id}/{v.rule}" if v.rule else check.id,
                    resource=v.resource,
                    path=v.path,
                    message=v.message,
                    fix=v.fix,
                    severity=v.severity,
                    source="tapcheck",
                    file=file,
                    line=line,
                    column=column,
                    advisory=v.advisory,
                )
            )
    return findings


def evaluate_loaded(
    loaded: LoadedTemplate,
    tools: tuple[str, ...] = ALL_TOOLS,
    parameters: dict[str, str] | None = None,
    project: ProjectConfig | None = None,
    linting: Linting = Linting.HERE,
    judge_unused_waivers: bool = True,
) -> Report:
    """The gate on one parsed template. `linting`: how cfn-lint runs (tapcheck.tools.lint.Linting);
    only a caller that owns the process (the `check` command) asks for a child.
    `judge_unused_waivers`: a waiver that covers nothing here is a finding; a batch passes False
    and judges them over all its templates (tapcheck.batch)."""
    from tapcheck import suppressions, waivers

    lint_job = None
    if "cfn-lint" in tools:
        from tapcheck.tools import lint

        lint_job = lint.start(loaded, linting)  # a child starts linting now, beside what follows
    model = build_model(loaded.path, loaded.tree, parameters)
    findings = check_requirements(model, loaded.path, loaded.tree)
    tool_findings, docs = run_tools(loaded, model, tools, project, lint_job)
    findings += opaque_registry_types(tool_findings, model, loaded)
    findings = suppressions.apply(findings, suppressions.find(loaded, tools))
    every_waiver = waivers.load_all(extra=project_waiver_files(project))
    findings, use = waivers.waive(findings, model, every_waiver, sources={"tapcheck", *tools})
    if judge_unused_waivers:
        findings += waivers.unused(every_waiver, [use])
    findings = one_per_defect(findings)
    return Report(loaded.path, summarize(findings), findings, tools, project, docs, use)


def project_waiver_files(project: ProjectConfig | None) -> list:
    return [project.waivers] if project is not None and project.waivers is not None else []


def evaluate_file(
    path: str,
    tools: tuple[str, ...] = ALL_TOOLS,
    parameters: dict[str, str] | None = None,
    project: ProjectConfig | None = None,
    linting: Linting = Linting.HERE,
) -> Report:
    return evaluate_loaded(load_template(path), tools, parameters, project, linting)


def run_tools(
    loaded: LoadedTemplate, model: Model, tools: tuple[str, ...], project: ProjectConfig | None = None, lint_job=None
) -> tuple[list[Finding], dict[str, RuleDoc]]:
    """The tools' findings and the docs of the tool rules that fired. cfn-guard subprocesses run
    while cfn-lint lints (`lint_job`: started by the caller, else linted here).

    Guard rules read the resolved model rendered as a template (the same view the checks
    have); their findings point back at the original file and its lines.
    """
    jobs = []
    findings: list[Finding] = []
    docs: dict[str, RuleDoc] = {}
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
                types = {r.type for r in model.resources.values()}
                jobs.append(pool.submit(guard.run_control_tower, rendered, types))
            if "cfn-guard" in tools and project is not None and project.rule_files:
                jobs.append(pool.submit(guard.run_extra_rules, rendered, list(project.rule_files), project.guard))
        if "cfn-lint" in tools:
            from tapcheck.tools import lint

            lint_findings, docs = (lint_job or lint.start(loaded)).result()
            findings += lint_findings
        for job in jobs:
            for finding in job.result():
                line, column = position_of(loaded.tree, source_pointer(model, finding.path))
                findings.append(
                    replace(finding, file=loaded.path, line=line, column=column, message=_with_unknowns(finding, model))
                )
    controls = {f.rule for f in findings if f.source == "control-tower"}
    if controls:
        from tapcheck.tools.guard.packs import control_docs

        docs = {**docs, **control_docs(controls)}
    return findings, docs


def opaque_registry_types(findings: list[Finding], model: Model, loaded: LoadedTemplate) -> list[Finding]:
    """A registry type (a third-party or private extension, tapcheck.loader.is_registry_type) has
    no schema here: the gate reads the resource but cannot type-check it. It gets a note (not
    blocking) on the check cfn-lint's type validation lands on, and cfn-lint's "type does not
    exist" (E3006) on it becomes part of that note instead of a defect."""
    from tapcheck.loader import is_registry_type

    opaque = {r.logical_id: r.type for r in model.resources.values() if is_registry_type(r.type)}
    if not opaque:
        return findings
    reg = registry()
    check = reg.check_of_tool_rule("cfn-lint", REGISTRY_TYPE_LINT_RULE)
    kept = [
        replace(f, severity=Severity.INFO)
        if f.source == "cfn-lint" and f.rule == REGISTRY_TYPE_LINT_RULE and f.resource in opaque
        else f
        for f in findings
    ]
    for logical_id, resource_type in opaque.items():
        path = f"/Resources/{logical_id}/Type"
        line, column = position_of(loaded.tree, path)
        kept.append(
            Finding(
                requirements=reg.requirements_of(check),
                check=check,
                rule="registry-type",
                resource=logical_id,
                path=path,
                message=f"{resource_type} is a registry type (a third-party or private extension): the gate "
                f"reads it as an opaque resource, without its schema, so its properties, tags and "
                f"attributes are not type-checked",
                fix=f"none needed here; review it against its own schema (aws cloudformation describe-type --type "
                f"{'MODULE' if resource_type.endswith('::MODULE') else 'RESOURCE'} --type-name {resource_type})",
                severity=Severity.INFO,
                source="tapcheck",
                file=loaded.path,
                line=line,
                column=column,
            )
        )
    return kept


def one_per_defect(findings: list[Finding]) -> list[Finding]:
    """A check, the guard rule evidencing it, a cfn-lint rule and the Control Tower control a
    requirement names ([same-defect]) on the same spot: one finding (tapcheck.findings.merge), every
    tool's word kept in its evidence. The catch-all rows (unmapped rules, ignored suppressions)
    hold unrelated defects and stay apart."""
    from tapcheck.suppressions import CHECK as SUPPRESSION_CHECK

    return merge(findings, separate={UNMAPPED, SUPPRESSION_CHECK}, same_defect=registry().same_defect)


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
        rows.append(
            (
                UNMAPPED,
                "Findings no requirement claims (a guard or tool rule missing from the mapping)",
                "every finding must land on a requirement",
                (),
            )
        )
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
