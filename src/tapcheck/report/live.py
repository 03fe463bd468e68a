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
    """One outcome, from the probe (or drill check, or planned change) that made it to every
    report format: a probe run returns it (tapcheck.live.probing.run_probe), the in-VPC runner
    sends it back as JSON (as_dict / from_dict), the renderers below print it."""

    name: str  # probe (or check, or resource) name
    requirements: tuple[str, ...]
    status: Status  # PASS, FAIL or SKIP
    detail: str
    seconds: float = 0.0
    endpoint: str | None = None  # writer / reader, for a probe run per endpoint
    plane: str | None = None  # control / data / behaviour, for a probe
    checks: tuple[str, ...] = ()
    text: str | None = None  # its command's own text line, when not the probe line (the drill's)

    def line(self) -> str:
        """The case as the text report prints it."""
        if self.text is not None:
            return self.text
        return f"{self.status.value.upper():4} {','.join(self.requirements):<8} {self.name} - {self.detail}"

    @property
    def case_name(self) -> str:
        """The JUnit test case's name: requirements, probe, endpoint."""
        where = f" [{self.endpoint}]" if self.endpoint else ""
        base = self.name.split("[")[0] if self.endpoint else self.name
        return " ".join(filter(None, (",".join(self.requirements), base))) + where

    def as_dict(self) -> dict[str, Any]:
        """The case as the JSON report writes it (and as the in-VPC runner returns it)."""
        return {
            "name": self.name,
            "requirements": list(self.requirements),
            "checks": list(self.checks),
            "endpoint": self.endpoint,
            "plane": self.plane,
            "status": self.status.value,
            "detail": self.detail,
            "seconds": round(self.seconds, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Case:
        return cls(
            str(data["name"]),
            tuple(data.get("requirements") or ()),
            Status(data["status"]),
            str(data.get("detail", "")),
            float(data.get("seconds") or 0.0),
            data.get("endpoint"),
            data.get("plane"),
            tuple(data.get("checks") or ()),
        )


@dataclass(frozen=True)
class Verdict:
    """What a list of cases decides: the exit code, the failed requirements, the counts."""

    exit_code: int
    failed_requirements: list[str]
    passed: int
    failed: int
    skipped: int

    def summary(self, head: str, skips: bool = True) -> str:
        """`HEAD: P passed, F failed[, S skipped][; failed requirements: ...]`."""
        text = f"{head}: {self.passed} passed, {self.failed} failed" + (f", {self.skipped} skipped" if skips else "")
        if self.failed_requirements:
            text += "; failed requirements: " + ", ".join(self.failed_requirements)
        return text


def verdict(cases: list[Case], skip_fails: bool = False) -> Verdict:
    """The one verdict of smoke and the drill: exit 1 when a case failed — or skipped, where a skip
    counts as a failure (`skip_fails`) — naming the requirements of those cases in the
    specification's order; 2 when nothing passed and nothing failed (nothing could be looked at); else 0."""
    from tapcheck.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE
    from tapcheck.requirements.registry import requirement_order

    failed = [c for c in cases if c.status is Status.FAIL]
    skipped = [c for c in cases if c.status is Status.SKIP]
    passed = len(cases) - len(failed) - len(skipped)
    blocking = failed + (skipped if skip_fails else [])
    requirements = sorted({q for c in blocking for q in c.requirements}, key=requirement_order)
    code = EXIT_FINDINGS if blocking else (EXIT_UNUSABLE if not passed else EXIT_OK)
    return Verdict(code, requirements, passed, len(failed), len(skipped))


@dataclass
class LiveReport:
    command: str  # "smoke", "drill failover", "plan"
    subject: str  # the stack name, or "OLD -> NEW" for a plan
    target: str | None  # "local" / "aws"; None for a plan
    cases: list[Case]
    summary: str
    exit_code: int
    failed_requirements: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)  # e.g. the drill's window and rows
    text: str | None = None  # a command's own text rendering, when it has one (plan)

    def counts(self) -> dict[str, int]:
        return {
            status.value: sum(1 for c in self.cases if c.status is status)
            for status in (Status.PASS, Status.FAIL, Status.SKIP)
        }


def render(report: LiveReport, fmt: str) -> str:
    renderers: dict[str, Callable[[LiveReport], str]] = {"text": text, "json": json_text, "junit": junit}
    return renderers[fmt](report)


def text(report: LiveReport) -> str:
    if report.text is not None:
        return report.text
    return "\n".join([c.line() for c in report.cases] + [report.summary]) + "\n"


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
        "cases": [c.as_dict() for c in report.cases],
    }


def json_text(report: LiveReport) -> str:
    return json.dumps(as_dict(report), indent=2) + "\n"


def junit(report: LiveReport) -> str:
    counts = report.counts()
    suites = ET.Element("testsuites", name=f"tapcheck {report.command}")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"tapcheck {report.command} {report.subject}",
        tests=str(len(report.cases)),
        failures=str(counts["fail"]),
        errors="0",
        skipped=str(counts["skip"]),
        time=f"{sum(c.seconds for c in report.cases):.3f}",
    )
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
