"""The two rule packs cfn-guard runs, as findings on the checks of the requirement folders.

- tapcheck's rules (rules/<folder>/*.guard): each rule's check comes from the [guard] table
  of its folder's requirement.toml; a rule no folder maps lands on the "unmapped" row, which
  fails the gate; a project's extra rules (tapcheck.project) likewise, through its config;
- AWS Control Tower's proactive controls: the control id is the finding's rule, its check is
  what the folders' [control-tower] tables say (the H6 catch-all "*" by default), and its
  severity comes from the control's metadata (CRITICAL/HIGH -> error, MEDIUM/LOW -> warning:
  both block unless waived). Only the controls over resource types the template uses run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tapcheck.errors import UsageError
from tapcheck.findings import Finding, RuleDoc, Severity
from tapcheck.requirements.registry import UNMAPPED, registry
from tapcheck.tools.guard.locate import control_tower_dir, rules_dir
from tapcheck.tools.guard.parse import _after, _resource, failures
from tapcheck.tools.guard.run import validate

_CONTROL_ID = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")
_RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")


# --- Control Tower control metadata ---------------------------------------------------------


@dataclass(frozen=True)
class Control:
    id: str  # CT.RDS.PR.3
    rule_file: str  # .../cfn-guard/rds/ct-rds-pr-3.guard
    display_name: str
    description: str
    remediation: str
    severity: str  # CRITICAL | HIGH | MEDIUM | LOW
    resource_types: frozenset


@lru_cache(maxsize=4)
def controls(root: str) -> dict[str, Control]:
    """Every control with a rule file, by id, read from its metadata JSON."""
    base = Path(root)
    found: dict[str, Control] = {}
    for rule_file in sorted((base / "cfn-guard").glob("*/*.guard")):
        service = rule_file.parent.name
        metadata_file = base / "metadata" / service / f"{rule_file.stem}.metadata.json"
        try:
            metadata = json.loads(metadata_file.read_text())
        except (OSError, ValueError):
            metadata = {}
        control_id = metadata.get("Id") or rule_file.stem.upper().replace("-", ".")
        found[control_id] = Control(
            id=control_id,
            rule_file=str(rule_file),
            display_name=metadata.get("DisplayName", ""),
            description=metadata.get("Description", ""),
            remediation=metadata.get("RemediationMessage", ""),
            severity=str(metadata.get("Severity", "HIGH")).upper(),
            # without metadata a control is run on every template (it SKIPs what it does not cover)
            resource_types=frozenset(metadata.get("EvaluatedResourceTypes") or ["*"]),
        )
    return found


# AWS's Control Tower control reference: one page per service, an anchor per control, e.g.
# https://docs.aws.amazon.com/controltower/latest/controlreference/rds-rules.html#ct-rds-pr-27-description
# (docs/aws-behaviour.md: the pages read for RDS, CloudWatch and EC2)
CONTROL_REFERENCE = "https://docs.aws.amazon.com/controltower/latest/controlreference/"


def control_page(control_id: str) -> str:
    """AWS's page for a control (CT.RDS.PR.27 -> .../rds-rules.html#ct-rds-pr-27-description)."""
    service = control_id.split(".")[1].lower()
    return f"{CONTROL_REFERENCE}{service}-rules.html#{control_id.lower().replace('.', '-')}-description"


def control_docs(control_ids: set[str]) -> dict[str, RuleDoc]:
    """Each control's own words (its metadata JSON) for the report's rule list."""
    if not control_ids:
        return {}
    catalogue = controls(str(control_tower_dir()))
    docs = {}
    for control_id in sorted(control_ids):
        control = catalogue.get(control_id)
        docs[control_id] = RuleDoc(
            id=control_id,
            source="control-tower",
            title=(control.display_name if control else "") or f"AWS Control Tower proactive control {control_id}",
            description=(control.description if control else "") or "",
            help_uri=control_page(control_id) if control_id.startswith("CT.") else None,
            severity=control.severity if control else None,
        )
    return docs


def declared_types(text: str) -> set[str]:
    """The Type of each resource of a JSON template; every type its text names when it is not JSON."""
    try:
        resources = json.loads(text).get("Resources")
        return {r["Type"] for r in resources.values() if isinstance(r, dict) and isinstance(r.get("Type"), str)}
    except (ValueError, AttributeError, TypeError):
        return resource_types_in(text)


def resource_types_in(text: str) -> set[str]:
    """Every AWS resource type named in the template: a superset of its resources' types,
    which is safe, since a control over an absent type only SKIPs."""
    return set(_RESOURCE_TYPE.findall(text))


# --- the two packs ---------------------------------------------------------------------------


def rule_files() -> list[Path]:
    """Every project guard rule file, one per requirement folder rule."""
    return sorted(rules_dir().glob("*/*.guard"))


def run_project_rules(template_path: str) -> list[Finding]:
    """The guard rules of the requirement folders (one cfn-guard run over all of them)."""
    files = rule_files()
    if not files:
        raise UsageError(str(rules_dir()), "holds no .guard rules", "reinstall tapcheck")
    return _run_rules(files, template_path, registry().guard_rules, "rules/")


def run_extra_rules(template_path: str, files: list[Path], mapping: dict[str, str]) -> list[Finding]:
    """A project's own guard rules (its config's `rules`), each on the check its `guard` table names.

    They run apart from tapcheck's rules, so a name they share with one of them maps by the
    project's table alone; a rule no entry maps lands on the unmapped row.
    """
    return _run_rules(files, template_path, mapping, "the project's rule files")


def _run_rules(files: list[Path], template_path: str, mapping: dict[str, str], where: str) -> list[Finding]:
    reg = registry()
    findings: list[Finding] = []
    seen: set = set()
    for report in validate([str(f) for f in files], template_path):
        for failure in failures(report):
            text = failure.message
            message = _after(text, "Violation:", "Fix:") or text or f"guard rule {failure.rule} failed"
            fix = _after(text, "Fix:") or f"see the rule {failure.rule} in {where}"
            resource = _resource(failure.path)
            key = (failure.rule, resource, message)
            if key in seen:
                continue
            seen.add(key)
            check = mapping.get(failure.rule, UNMAPPED)
            findings.append(
                Finding(
                    requirements=reg.requirements_of(check),
                    check=check,
                    rule=failure.rule,
                    resource=resource,
                    path=failure.path,
                    message=message,
                    fix=fix,
                    severity=Severity.ERROR,
                    source="cfn-guard",
                    file=str(template_path),
                    line=failure.line,
                )
            )
    return findings


def run_control_tower(template_path: str, resource_types: set[str] | None = None) -> list[Finding]:
    """The Control Tower proactive controls over the resource types the template uses.

    `resource_types`: the types of the template's resources (the gate passes its model's); else
    the types of the file's Resources, else every type its text names (a superset: a control over
    an absent type only SKIPs, but a template carrying others inline, as StackSets do, would run
    dozens of controls for nothing)."""
    base = control_tower_dir()
    catalogue = controls(str(base))
    if resource_types is None:
        try:
            text = Path(template_path).read_text(encoding="utf-8-sig", errors="replace")
        except OSError as exc:
            raise UsageError(
                str(template_path), f"cannot be read: {exc.strerror or exc}", "check the file's permissions"
            ) from None
        resource_types = declared_types(text)
    types = resource_types
    selected = [c.rule_file for c in catalogue.values() if "*" in c.resource_types or c.resource_types & types]
    if not selected:
        return []
    reg = registry()
    findings: list[Finding] = []
    seen: set = set()
    for report in validate(selected, template_path):
        for failure in failures(report):
            found = _CONTROL_ID.search(failure.message)
            control = catalogue.get(found.group(1)) if found else None
            control_id = found.group(1) if found else failure.rule
            resource = _resource(failure.path)
            key = (control_id, resource)
            if key in seen:
                continue
            seen.add(key)
            text = re.sub(r"^\[[^\]]*\]:?\s*", "", failure.message)
            message = (
                control.display_name
                if control and control.display_name
                else text.split("[FIX]")[0].strip() or f"Control Tower rule {failure.rule} failed"
            )
            fix = _after(failure.message, "[FIX]:") or (control.remediation if control else "")
            severity = control.severity if control else "HIGH"
            check = reg.check_of_tool_rule("control-tower", control_id)
            findings.append(
                Finding(
                    requirements=reg.requirements_of(check),
                    check=check,
                    rule=control_id,
                    resource=resource,
                    path=failure.path,
                    message=f"{message} ({severity})",
                    fix=fix,
                    severity=Severity.ERROR if severity in ("CRITICAL", "HIGH") else Severity.WARNING,
                    source="control-tower",
                    file=str(template_path),
                    line=failure.line,
                )
            )
    return findings
