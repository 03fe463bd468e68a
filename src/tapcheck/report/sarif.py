"""SARIF 2.1.0 for GitHub code scanning: one rule per requirement, one result per finding."""

from __future__ import annotations

import json
from pathlib import Path

from tapcheck import __version__
from tapcheck.findings import Severity
from tapcheck.gate import Report
from tapcheck.requirements import REQUIREMENTS

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render(reports: list[Report]) -> str:
    rules = [{
        "id": r.id,
        "name": r.title.replace(" ", ""),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.spec},
        "help": {"text": r.spec},
        "properties": {"tags": [r.kind]},
    } for r in REQUIREMENTS]
    index = {r.id: i for i, r in enumerate(REQUIREMENTS)}
    results = []
    for report in reports:
        uri = _uri(report.path)
        for f in report.findings:
            result = {
                "ruleId": f.requirement,
                "ruleIndex": index.get(f.requirement, 0),
                "level": LEVEL[f.severity],
                "message": {"text": f"{f.message} Fix: {f.fix} ({f.rule}, {f.source})"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": max(1, f.line or 1)},
                }, "logicalLocations": [{"fullyQualifiedName": f.path, "kind": "resource"}]}],
                "partialFingerprints": {"tapcheck/v1": f"{f.rule}:{f.resource}:{f.path}"},
                "properties": {"rule": f.rule, "source": f.source, "resource": f.resource},
            }
            if f.waived_by:
                result["suppressions"] = [{"kind": "external", "justification": f.waived_by}]
            results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "tapcheck", "version": __version__,
                                "informationUri": "https://github.com/", "rules": rules}},
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _uri(path: str) -> str:
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return candidate.as_posix()
