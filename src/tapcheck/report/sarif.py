"""SARIF 2.1.0 for GitHub code scanning: one rule per check, one result per finding.

Locations are repository-relative URIs under the uriBaseId SRCROOT (the git work tree holding
the template, else the current directory), so the same report reads the same on any machine.
A location outside that tree (tapcheck's own waivers file in site-packages, say) is an absolute
file URI. A rule carries its requirements as tags, the AWS page of its first requirement as
helpUri, and a security-severity where its requirement declares one (GitHub sorts security
alerts by it). A waived finding carries an external suppression with the waiver's reason; a
suppression the gate ignored is a `note` result of the rule `suppression`, and each finding it
would have hidden says so in its message. Templates a batch could not check are
toolExecutionNotifications of the run's invocation (executionSuccessful false).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Sequence

from tapcheck import __version__
from tapcheck.findings import Severity
from tapcheck.gate import Report, Unchecked
from tapcheck.requirements.registry import UNMAPPED, registry
from tapcheck.suppressions import CHECK as SUPPRESSION_CHECK

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
BASE_ID = "SRCROOT"
PROJECT_URI = "https://github.com/"
# checks of tapcheck's own that no requirement folder defines
OWN_CHECKS = {
    UNMAPPED: "A finding of a guard or tool rule that no requirement claims (missing from the mapping)",
    SUPPRESSION_CHECK: "A suppression (.cfnlintrc, Metadata cfn-lint config, Metadata.guard.SuppressedRules) "
                       "that the gate does not honour",
}


def render(reports: list[Report], quiet: bool = False, unchecked: Sequence[Unchecked] = ()) -> str:
    reg = registry()
    root = _source_root(reports)
    used = sorted({f.check for r in reports for f in r.findings} | set(reg.checks))
    rules, index = [], {}
    for check_id in used:
        index[check_id] = len(rules)
        rules.append(_rule(check_id, reg))
    results = []
    for report in reports:
        for f in report.findings:
            region = {"startLine": max(1, f.line or 1)}
            if f.column:
                region["startColumn"] = f.column
            text = f"{f.message} Fix: {f.fix} ({f.rule}, {f.source}; requirements {', '.join(f.requirements) or 'none'})"
            if f.suppressed_by:
                text += f" Suppressed by {f.suppressed_by}: not honoured, this finding counts."
            result = {
                "ruleId": f.check,
                "ruleIndex": index[f.check],
                "level": LEVEL[f.severity],
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": _artifact(f.file or report.path, root),
                    "region": region,
                }, "logicalLocations": [{"fullyQualifiedName": f.path or "/", "kind": "resource"}]}],
                "partialFingerprints": {"tapcheck/v1": f"{f.rule}:{f.resource}:{f.path}"},
                "properties": {"rule": f.rule, "source": f.source, "resource": f.resource,
                               "requirements": list(f.requirements), "suppressedBy": f.suppressed_by,
                               "advisory": f.advisory},
            }
            if f.waived_by:
                result["suppressions"] = [{"kind": "external", "justification": f.waived_by}]
            results.append(result)
    invocation = {"executionSuccessful": not unchecked, "toolExecutionNotifications": [
        {"level": "error", "message": {"text": item.problem},
         "locations": [{"physicalLocation": {"artifactLocation": _artifact(item.path, root)}}],
         "properties": {"exitCode": item.exit_code}}
        for item in unchecked]}
    project = next((r.project for r in reports if r.project is not None), None)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "tapcheck", "version": __version__, "informationUri": PROJECT_URI,
                                "rules": rules}},
            "originalUriBaseIds": {BASE_ID: {"uri": root.as_uri() + "/"}},
            "invocations": [invocation],
            "results": results,
            "properties": {"config": project.as_dict() if project is not None else None},
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _rule(check_id: str, reg) -> dict:
    check = reg.checks.get(check_id)
    requirement_ids = reg.requirements_of(check_id) if check_id != SUPPRESSION_CHECK else ()
    requirements = [reg.requirement(i) for i in requirement_ids if i != UNMAPPED]
    description = check.doc if check and check.doc else OWN_CHECKS.get(check_id, check_id)
    rule = {
        "id": check_id,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", check_id) if part),
        "shortDescription": {"text": description.split("\n")[0][:200]},
        "fullDescription": {"text": "; ".join(f"{r.id} {r.title}: {r.spec}" for r in requirements) or description},
        "help": {"text": description},
        "properties": {"tags": [*requirement_ids, *sorted({r.kind for r in requirements})]},
    }
    docs = [d for r in requirements for d in r.aws_docs]
    if docs:
        rule["helpUri"] = docs[0]
    severities = [r.security_severity for r in requirements if r.security_severity is not None]
    if severities:
        rule["properties"]["security-severity"] = f"{max(severities):.1f}"
        rule["properties"]["tags"].append("security")
    return rule


def _source_root(reports: list[Report]) -> Path:
    """The git work tree holding the (first) template, else the current directory."""
    for report in reports:
        folder = Path(report.path).resolve().parent
        try:
            done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
                                  capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            break
        if done.returncode == 0 and done.stdout.strip():
            return Path(done.stdout.strip()).resolve()
        break
    return Path.cwd().resolve()


def _artifact(path: str, root: Path) -> dict:
    """A repository-relative URI under SRCROOT, or an absolute file URI for a file outside it."""
    candidate = Path(path).resolve()
    try:
        return {"uri": candidate.relative_to(root).as_posix(), "uriBaseId": BASE_ID}
    except ValueError:
        return {"uri": candidate.as_uri()}
