"""Machine output: {compliant, requirements[{id, status, checks}], findings[...]} per template."""

from __future__ import annotations

import json

from tapcheck.gate import Report


def as_dict(report: Report) -> dict:
    return {
        "template": report.path,
        "compliant": report.compliant,
        "requirements": [
            {"id": r.id, "title": r.title, "spec": r.spec, "checks": list(r.checks),
             "status": r.status.value, "findings": len(r.findings)}
            for r in report.results
        ],
        "findings": [f.to_dict() for f in report.findings],
    }


def render(reports: list[Report], quiet: bool = False) -> str:
    if len(reports) == 1:
        return json.dumps(as_dict(reports[0]), indent=2) + "\n"
    return json.dumps({"compliant": all(r.compliant for r in reports),
                       "templates": [as_dict(r) for r in reports]}, indent=2) + "\n"
