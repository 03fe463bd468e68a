"""Live results — `tapcheck smoke`, `tapcheck drill failover` and `tapcheck plan` — as one model,
rendered as text, JSON or JUnit XML.

A LiveReport is a list of Cases (one per probe run, drill check or planned resource change), each
with the requirements it speaks for, its status (pass, fail, skip), the detail (the server's or
AWS's words on a failure) and its duration. The JSON is described by the schema shipped beside this
module (schemas/live-report.schema.json, `tapcheck.report.live.SCHEMA_PATH`); its `format_version`
changes only when a field changes meaning or goes away. JUnit has one test case per Case, named by
requirement, probe and endpoint, so a pipeline's test view lists the probes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from tapcheck.findings import Status

FORMATS = ("text", "json", "junit")
FORMAT_VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "live-report.schema.json"


@dataclass
class Case:
    name: str                          # probe (or check, or resource) name
    requirements: tuple[str, ...]
    status: Status                     # PASS, FAIL or SKIP
    detail: str
    seconds: float = 0.0
    endpoint: str | None = None        # writer / reader, for a probe run per endpoint
    plane: str | None = None           # control / data, for a probe
    checks: tuple[str, ...] = ()
    line: str = ""                     # the case as the text report prints it

    @property
    def case_name(self) -> str:
        """The JUnit test case's name: requirements, probe, endpoint."""
        where = f" [{self.endpoint}]" if self.endpoint else ""
        base = self.name.split("[")[0] if self.endpoint else self.name
        return " ".join(filter(None, (",".join(self.requirements), base))) + where


@dataclass
class LiveReport:
    command: str                       # "smoke", "drill failover", "plan"
    subject: str                       # the stack name, or "OLD -> NEW" for a plan
    target: str | None                 # "local" / "aws"; None for a plan
    cases: list[Case]
    summary: str
    exit_code: int
    failed_requirements: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)   # e.g. the drill's window and rows
    text: str | None = None            # a command's own text rendering, when it has one (plan)

    def counts(self) -> dict[str, int]:
        return {status.value: sum(1 for c in self.cases if c.status is status)
                for status in (Status.PASS, Status.FAIL, Status.SKIP)}


def render(report: LiveReport, fmt: str) -> str:
    renderers: dict[str, Callable[[LiveReport], str]] = {"text": text, "json": json_text, "junit": junit}
    return renderers[fmt](report)


def text(report: LiveReport) -> str:
    if report.text is not None:
        return report.text
    return "\n".join([c.line for c in report.cases] + [report.summary]) + "\n"


def as_dict(report: LiveReport) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "command": report.command,
        "subject": report.subject,
        "target": report.target,
        "ok": report.exit_code == 0,
        "exit_code": report.exit_code,
        "summary": report.summary,
        "counts": report.counts(),
        "failed_requirements": report.failed_requirements,
        "figures": report.figures,
        "cases": [{
            "name": c.name,
            "requirements": list(c.requirements),
            "checks": list(c.checks),
            "endpoint": c.endpoint,
            "plane": c.plane,
            "status": c.status.value,
            "detail": c.detail,
            "seconds": round(c.seconds, 3),
        } for c in report.cases],
    }


def json_text(report: LiveReport) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"


def junit(report: LiveReport) -> str:
    counts = report.counts()
    suites = ET.Element("testsuites", name=f"tapcheck {report.command}")
    suite = ET.SubElement(suites, "testsuite", name=f"tapcheck {report.command} {report.subject}",
                          tests=str(len(report.cases)), failures=str(counts["fail"]), errors="0",
                          skipped=str(counts["skip"]),
                          time=f"{sum(c.seconds for c in report.cases):.3f}")
    named = ({"target": report.target} if report.target else {}) | report.figures
    if named:
        properties = ET.SubElement(suite, "properties")
        for key, value in named.items():
            ET.SubElement(properties, "property", name=key, value=str(value))
    classname = f"tapcheck.{report.command.replace(' ', '_')}"
    for c in report.cases:
        case = ET.SubElement(suite, "testcase", classname=classname, name=c.case_name, time=f"{c.seconds:.3f}")
        if c.status is Status.FAIL:
            ET.SubElement(case, "failure", message=c.detail, type=",".join(c.requirements) or "fail").text = c.detail
        elif c.status is Status.SKIP:
            ET.SubElement(case, "skipped", message=c.detail)
        else:
            ET.SubElement(case, "system-out").text = c.detail
    ET.SubElement(suite, "system-out").text = report.summary
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
