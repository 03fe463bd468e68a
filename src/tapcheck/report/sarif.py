"""SARIF 2.1.0 for GitHub code scanning: one result per defect, each under one rule.

A finding of a requirement check (or of a project guard rule) is a result of the check's rule; a
finding cfn-lint or AWS Control Tower speaks for is a result of that tool's own rule (W3005,
CT.RDS.PR.27), described in the tool's words (cfn-lint's shortdesc and source_url; the control's
DisplayName, Description and AWS's page for it). A defect several tools found is one finding
(tapcheck.findings.merge): one result, the other tools' words in its message and its
`evidence` property. The driver's informationUri is the project's URL from its package metadata.

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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tapcheck import __version__
from tapcheck.findings import Finding, RuleDoc, Severity
from tapcheck.gate import Report, Unchecked
from tapcheck.requirements.registry import UNMAPPED, registry, requirement_order
from tapcheck.suppressions import CHECK as SUPPRESSION_CHECK

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
BASE_ID = "SRCROOT"
# sources whose findings a result reports under the tool's own rule id
OWN_RULE_SOURCES = ("cfn-lint", "control-tower")
# a Control Tower control's severity as GitHub's security-severity (its bands: critical >= 9.0,
# high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9)
CONTROL_SECURITY_SEVERITY = {"CRITICAL": 9.0, "HIGH": 7.0, "MEDIUM": 5.0, "LOW": 3.0}
# checks of tapcheck's own that no requirement folder defines
OWN_CHECKS = {
    UNMAPPED: "A finding of a guard or tool rule that no requirement claims (missing from the mapping)",
    SUPPRESSION_CHECK: "A suppression (.cfnlintrc, Metadata cfn-lint config, Metadata.guard.SuppressedRules) "
    "that the gate does not honour",
}


def render(reports: list[Report], quiet: bool = False, unchecked: Sequence[Unchecked] = ()) -> str:
    reg = registry()
    root = _source_root(reports)
    docs: dict[str, RuleDoc] = {}
    for report in reports:
        docs.update(report.rule_docs)
    findings = [f for r in reports for f in r.findings]
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for check_id in sorted({f.check for f in findings if rule_id(f) == f.check} | set(reg.checks)):
        index[check_id] = len(rules)
        rules.append(_rule(check_id, reg))
    tool_rules = sorted(
        {rule_id(f) for f in findings if rule_id(f) != f.check}
        | {e.rule for f in findings for e in f.sources if e.source in OWN_RULE_SOURCES}
    )
    for tool_rule in tool_rules:
        if tool_rule not in index:
            index[tool_rule] = len(rules)
            rules.append(_tool_rule(tool_rule, docs.get(tool_rule), findings))
    results = []
    for report in reports:
        for f in report.findings:
            region = {"startLine": max(1, f.line or 1)}
            if f.column:
                region["startColumn"] = f.column
            text = (
                f"{f.message} Fix: {f.fix} ({f.rule}, {f.source}; requirements {', '.join(f.requirements) or 'none'})"
            )
            if len(f.sources) > 1:
                text += " Also found by " + "; ".join(f"{e.source} {e.rule}: {e.message}" for e in f.sources[1:]) + "."
            if f.suppressed_by:
                text += f" Suppressed by {f.suppressed_by}: not honoured, this finding counts."
            result = {
                "ruleId": rule_id(f),
                "ruleIndex": index[rule_id(f)],
                "level": LEVEL.get(f.severity, "note"),
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(f.file or report.path, root),
                            "region": region,
                        },
                        "logicalLocations": [{"fullyQualifiedName": f.path or "/", "kind": "resource"}],
                    }
                ],
                "partialFingerprints": {"tapcheck/v1": f"{f.rule}:{f.resource}:{f.path}"},
                "properties": {
                    "rule": f.rule,
                    "check": f.check,
                    "source": f.source,
                    "resource": f.resource,
                    "requirements": list(f.requirements),
                    "suppressedBy": f.suppressed_by,
                    "advisory": f.advisory,
                    "evidence": [e.to_dict() for e in f.sources],
                },
            }
            if f.waived_by:
                result["suppressions"] = [{"kind": "external", "justification": f.waived_by}]
            results.append(result)
    invocation = {
        "executionSuccessful": not unchecked,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": item.problem},
                "locations": [{"physicalLocation": {"artifactLocation": _artifact(item.path, root)}}],
                "properties": {"exitCode": item.exit_code},
            }
            for item in unchecked
        ],
    }
    project = next((r.project for r in reports if r.project is not None), None)
    driver = {"name": "tapcheck", "version": __version__, "rules": rules}
    uri = project_uri()
    if uri:
        driver["informationUri"] = uri
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": {BASE_ID: {"uri": root.as_uri() + "/"}},
                "invocations": [invocation],
                "results": results,
                "properties": {"config": project.as_dict() if project is not None else None},
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def rule_id(finding: Finding) -> str:
    """The rule a finding's result is reported under: cfn-lint's and Control Tower's own rule ids,
    else the check (requirement checks, project guard rules)."""
    return finding.rule if finding.source in OWN_RULE_SOURCES else finding.check


def project_uri() -> str | None:
    """The project's URL, from the installed package's metadata ([project.urls] in pyproject.toml):
    Homepage, else the first URL given; None when the metadata names none."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        entries = metadata("tapcheck").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    urls = [tuple(part.strip() for part in entry.split(",", 1)) for entry in entries if "," in entry]
    preferred = [url for label, url in urls if label.lower() in ("homepage", "repository", "source")]
    found = preferred or [url for _, url in urls]
    return found[0] if found and found[0].startswith(("https://", "http://")) else None


def _tool_rule(tool_rule: str, doc: RuleDoc | None, findings: list[Finding]) -> dict[str, Any]:
    """A cfn-lint rule or a Control Tower control, in its own words; its tags the requirements its
    findings break."""
    requirements = sorted(
        {r for f in findings if tool_rule in {e.rule for e in f.sources} for r in f.requirements}, key=requirement_order
    )
    source = doc.source if doc else next((e.source for f in findings for e in f.sources if e.rule == tool_rule), "")
    title = doc.title if doc and doc.title else tool_rule
    rule: dict[str, Any] = {
        "id": tool_rule,
        "name": "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", tool_rule) if part),
        "shortDescription": {"text": title[:1000]},
        "fullDescription": {"text": (doc.description if doc and doc.description else title)},
        "help": {"text": (doc.description if doc and doc.description else title)},
        "properties": {"tags": [*requirements, source] if source else list(requirements)},
    }
    if doc and doc.help_uri:
        rule["helpUri"] = doc.help_uri
    if doc and doc.severity in CONTROL_SECURITY_SEVERITY:
        rule["properties"]["security-severity"] = f"{CONTROL_SECURITY_SEVERITY[doc.severity]:.1f}"
        rule["properties"]["tags"].append("security")
    return rule


def _rule(check_id: str, reg) -> dict[str, Any]:
    check = reg.checks.get(check_id)
    requirement_ids = reg.requirements_of(check_id) if check_id != SUPPRESSION_CHECK else ()
    requirements = [reg.requirement(i) for i in requirement_ids if i != UNMAPPED]
    description = check.doc if check and check.doc else OWN_CHECKS.get(check_id, check_id)
    rule: dict[str, Any] = {
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
            done = subprocess.run(
                ["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
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
