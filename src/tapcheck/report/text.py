"""Human output: what the run used (config), the traceability matrix, then every finding with
resource, path, line, message and fix (and the other tools' words on the same defect).
--quiet: each failing template's name and its blocking findings alone."""

from __future__ import annotations

from collections.abc import Sequence

from tapcheck.findings import Finding, Status
from tapcheck.gate import Report, Unchecked

MARK = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.WAIVED: "WAIVED", Status.ERROR: "ERROR", Status.SKIP: "SKIP"}


def render(reports: list[Report], quiet: bool = False, unchecked: Sequence[Unchecked] = ()) -> str:
    """Templates that could not be checked are named on stderr (one line each), not here."""
    if quiet:
        return "".join(_one(report, quiet) for report in reports)
    header = [_config_line(reports), ""] if reports else []
    return "\n".join(header + [_one(report, quiet) for report in reports])


def _config_line(reports: list[Report]) -> str:
    project = reports[0].project
    if project is None:
        return "config: none (tapcheck's own rules and waivers only)"
    return project.describe()


def _one(report: Report, quiet: bool) -> str:
    blocking = [f for f in report.findings if f.blocking]
    other = [f for f in report.findings if not f.blocking]
    if quiet:  # each failing template named, then its blocking findings (a waiver's point at its file)
        if not blocking:
            return ""
        header = f"{report.path}: NOT COMPLIANT ({len(blocking)} blocking)\n"
        return header + "".join(_finding(f) + "\n" for f in blocking)
    lines = [
        f"{report.path}: {'COMPLIANT' if report.compliant else 'NOT COMPLIANT'}",
        "",
        f"  {'id':<8} {'status':<7} requirement  [checks]",
    ]
    for result in report.results:
        checks = ", ".join(result.checks)
        lines.append(f"  {result.id:<8} {MARK[result.status]:<7} {result.title}  [{checks}]")
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
    location = f.file + (f":{f.line}" if f.line else "") + (f":{f.column}" if f.line and f.column else "")
    requirements = ",".join(f.requirements) or "-"
    kind = f.severity.value.upper() + (" (advisory)" if f.advisory else "")
    text = f"  [{requirements}] {kind} {f.rule} {where} {f.path} {location}\n      {f.message}\n      fix: {f.fix}"
    for other in f.sources[1:]:
        text += f"\n      also {other.source} {other.rule}: {other.message}"
    if f.suppressed_by:
        text += f"\n      suppressed by {f.suppressed_by}: not honoured, this finding counts"
    if f.waived_by:
        text += f"\n      waived: {f.waived_by}"
    return text
