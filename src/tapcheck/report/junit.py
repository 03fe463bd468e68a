"""JUnit XML: one test case per requirement per template, failed when the requirement fails."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from tapcheck.findings import Status
from tapcheck.gate import Report


def render(reports: list[Report], quiet: bool = False) -> str:
    suites = ET.Element("testsuites", name="tapcheck")
    for report in reports:
        failures = sum(1 for r in report.results if r.status is Status.FAIL)
        suite = ET.SubElement(suites, "testsuite", name=report.path, tests=str(len(report.results)),
                              failures=str(failures), errors="0", skipped="0")
        for result in report.results:
            case = ET.SubElement(suite, "testcase", classname=report.path, name=f"{result.id} {result.title}")
            if result.status is Status.FAIL:
                blocking = [f for f in result.findings if f.blocking]
                failure = ET.SubElement(case, "failure", message=blocking[0].message, type=blocking[0].rule)
                failure.text = "\n".join(f"{f.rule} {f.resource or '(template)'} {f.path}: {f.message} "
                                         f"(fix: {f.fix})" for f in blocking)
            elif result.status is Status.WAIVED:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"waived {f.rule} {f.resource}: {f.waived_by}" for f in result.findings if f.waived_by)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
