"""Machine output: {template, compliant, config, requirements[...], findings[...]} per template;
a batch: {compliant, templates[...], unchecked[{template, problem, exit_code}]}."""

from __future__ import annotations

import json
from collections.abc import Sequence

from tapcheck.gate import Report, Unchecked


def as_dict(report: Report) -> dict:
    return {
        "template": report.path,
        "compliant": report.compliant,
        "config": report.project.as_dict() if report.project is not None else None,
        "requirements": [
            {
                "id": r.id,
                "title": r.title,
                "spec": r.spec,
                "checks": list(r.checks),
                "status": r.status.value,
                "findings": len(r.findings),
            }
            for r in report.results
        ],
        "findings": [f.to_dict() for f in report.findings],
    }


def render(reports: list[Report], quiet: bool = False, unchecked: Sequence[Unchecked] = ()) -> str:
    if len(reports) == 1 and not unchecked:
        return json.dumps(as_dict(reports[0]), indent=2) + "\n"
    return (
        json.dumps(
            {
                "compliant": bool(reports) and not unchecked and all(r.compliant for r in reports),
                "templates": [as_dict(r) for r in reports],
                "unchecked": [{"template": u.path, "problem": u.problem, "exit_code": u.exit_code} for u in unchecked],
            },
            indent=2,
        )
        + "\n"
    )
