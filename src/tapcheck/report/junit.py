"""JUnit XML: one test case per requirement per template, failed when the requirement fails.

A requirement's non-blocking findings (waived, informational, suppressions the gate ignored)
go to its test case's system-out; a template the batch could not check is a test suite with
one errored test case, so a CI summary shows it beside the others."""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from tapcheck.findings import Finding, Status
from tapcheck.gate import Report, Unchecked


def render(reports: list[Report], quiet: bool = False, unchecked: Sequence[Unchecked] = ()) -> str:
    suites = ET.Element("testsuites", name="tapcheck")
    for report in reports:
        failures = sum(1 for r in report.results if r.status is Status.FAIL)
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=report.path,
            tests=str(len(report.results)),
            failures=str(failures),
            errors="0",
            skipped="0",
        )
        if report.project is not None:
            properties = ET.SubElement(suite, "properties")
            ET.SubElement(properties, "property", name="config", value=report.project.describe())
        for result in report.results:
            case = ET.SubElement(suite, "testcase", classname=report.path, name=f"{result.id} {result.title}")
            blocking = [f for f in result.findings if f.blocking]
            if result.status is Status.FAIL:
                failure = ET.SubElement(case, "failure", message=blocking[0].message, type=blocking[0].rule)
                failure.text = "\n".join(_line(f) for f in blocking)
            notes = [f for f in result.findings if not f.blocking]
            if notes:
                ET.SubElement(case, "system-out").text = "\n".join(_note(f) for f in notes)
        unclaimed = [f for f in report.findings if not f.requirements]
        if unclaimed:  # notes no requirement row carries (a suppression of a rule tapcheck does not run)
            ET.SubElement(suite, "system-out").text = "\n".join(_note(f) for f in unclaimed)
    for item in unchecked:
        suite = ET.SubElement(suites, "testsuite", name=item.path, tests="1", failures="0", errors="1", skipped="0")
        case = ET.SubElement(suite, "testcase", classname=item.path, name="load and check")
        ET.SubElement(case, "error", message=item.problem, type=f"exit {item.exit_code}").text = item.problem
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _line(f: Finding) -> str:
    text = f"{f.rule} {f.resource or '(template)'} {f.path} line {f.line or '?'}: {f.message} (fix: {f.fix})"
    if len(f.sources) > 1:
        text += " [also " + "; ".join(f"{e.source} {e.rule}: {e.message}" for e in f.sources[1:]) + "]"
    if f.suppressed_by:
        text += f" [suppressed by {f.suppressed_by}: not honoured]"
    return text


def _note(f: Finding) -> str:
    if f.waived_by:
        return f"waived {f.rule} {f.resource}: {f.waived_by}"
    return f"{f.severity.value}{' (advisory)' if f.advisory else ''} {_line(f)}"
