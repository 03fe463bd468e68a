"""Human output: the traceability matrix, then every finding with resource, path, message and fix."""

from __future__ import annotations

from tapcheck.findings import Finding, Status
from tapcheck.gate import Report

MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.WAIVED: "WAIVED", Status.ERROR: "ERROR"}


def render(reports: list[Report]) -> str:
    return "\n".join(_one(report) for report in reports)


def _one(report: Report) -> str:
    lines = [f"{report.path}: {'COMPLIANT' if report.compliant else 'NOT COMPLIANT'}", "",
             f"  {'id':<4} {'status':<7} {'checks':<32} requirement"]
    for result in report.results:
        sources = sorted({f.source for f in result.findings})
        checks = "tapcheck" if result.requirement.check is not None else ""
        checks = ", ".join(filter(None, [checks, *result.requirement.tools, *(s for s in sources
                                                                              if s not in result.requirement.tools
                                                                              and s != "tapcheck")]))
        lines.append(f"  {result.requirement.id:<4} {MARK[result.status]:<7} {checks:<32} {result.requirement.title}")
    blocking = [f for f in report.findings if f.blocking]
    other = [f for f in report.findings if not f.blocking]
    if blocking:
        lines += ["", f"Findings ({len(blocking)}):"]
        lines += [_finding(f) for f in blocking]
    if other:
        lines += ["", f"Not blocking ({len(other)}):"]
        lines += [_finding(f) for f in other]
    lines.append("")
    return "\n".join(lines)


def _finding(f: Finding) -> str:
    where = f.resource or "(template)"
    line = f":{f.line}" if f.line else ""
    text = (f"  [{f.requirement}] {f.severity.value.upper()} {f.rule} {where} {f.path}{line}\n"
            f"      {f.message}\n      fix: {f.fix}")
    if f.waived_by:
        text += f"\n      waived: {f.waived_by}"
    return text
