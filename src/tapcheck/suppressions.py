"""Suppressions: the tools' own ways to silence findings, which the gate does not honour.

- cfn-lint reads `.cfnlintrc` (or `.cfnlintrc.yaml`, `.cfnlintrc.yml`) from the working
  directory and `~/.cfnlintrc`, the template's `Metadata: cfn-lint: config:` (ignore_checks, but
  also regions, configure_rules, override_spec, ...) and a resource's
  `Metadata: cfn-lint: config: ignore_checks`;
- guard rules written for it honour `Metadata: guard: SuppressedRules` (the AWS Guard Rules
  Registry's do; a project's extra rules may).

A suppression names no requirement and no reason, so it must never change the verdict. The gate
runs the tools so that none can apply (tools/lint.py reads no config file and hides the
cfn-lint Metadata from cfn-lint; render.py gives cfn-guard no Metadata at all), and reports each
one here, in every format:

- one finding per suppression, rule `suppression.ignored`, severity info: where it is and what
  it would silence. Informational because it decides nothing: the verdict is computed as if it
  were not there. Blocking on it would fail a compliant template for a comment meant for
  someone's own cfn-lint run;
- every finding it would have silenced carries `suppressed_by`, and still blocks. So a
  suppression that would have turned a FAIL into a PASS shows as that FAIL, marked.

The way to accept a finding is a waiver (waivers.py): it names the requirement that forces the
exception and why, and only hardening findings can be waived.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tapcheck.findings import Finding, Severity
from tapcheck.loader import LoadedTemplate, position_of

RULE = "suppression.ignored"
CHECK = "suppression"
CFNLINTRC_NAMES = (".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.yml")  # the order cfn-lint looks in
GUARD_SOURCES = ("cfn-guard", "control-tower")
FIX = (
    "to accept a finding, write a waiver naming the requirement that forces it and why (README: Waivers); "
    "else remove the suppression, or keep it for your own cfn-lint / cfn-guard runs: the gate ignores it"
)


@dataclass(frozen=True)
class Suppression:
    tool: str  # cfn-lint | cfn-guard
    origin: str  # what a reader looks for: ".cfnlintrc ignore_checks", ...
    rules: tuple[str, ...]  # rule ids it silences (cfn-lint: prefixes where `prefix`)
    settings: tuple[str, ...] = ()  # other settings that would change how the tool runs
    resource: str | None = None  # a resource's own suppression covers that resource only
    prefix: bool = False  # cfn-lint's config-level ignore_checks match ids by prefix
    file: str = ""
    path: str = ""
    line: int | None = None
    column: int | None = None

    def silences(self, finding: Finding) -> bool:
        if self.tool == "cfn-lint":
            if finding.source != "cfn-lint":
                return False
            named = any(finding.rule.startswith(r) if self.prefix else finding.rule == r for r in self.rules if r)
        else:
            named = finding.source in GUARD_SOURCES and finding.rule in self.rules
        return named and (self.resource is None or finding.resource == self.resource)

    def describe(self) -> str:
        scope = f" of {self.resource}" if self.resource else ""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{self.origin}{scope} ({where})"


def find(loaded: LoadedTemplate, tools: tuple[str, ...], directory: Path | None = None) -> list[Suppression]:
    """Every suppression aimed at the tools that ran on this template."""
    found: list[Suppression] = []
    tree = loaded.tree
    if "cfn-lint" in tools:
        found += _cfnlintrc(directory or Path.cwd())
        config = _get(tree, "Metadata", "cfn-lint", "config")
        if isinstance(config, dict):
            found.append(
                _lint_config(config, "Metadata.cfn-lint.config", loaded, "/Metadata/cfn-lint/config", None, True)
            )
    for logical_id, resource in (_get(tree, "Resources") or {}).items():
        pointer = f"/Resources/{logical_id}/Metadata"
        if "cfn-lint" in tools:
            config = _get(resource, "Metadata", "cfn-lint", "config")
            if isinstance(config, dict) and "ignore_checks" in config:
                # cfn-lint applies only ignore_checks from a resource, matched exactly
                found.append(
                    _lint_config(
                        {"ignore_checks": config["ignore_checks"]},
                        "Metadata.cfn-lint.config",
                        loaded,
                        f"{pointer}/cfn-lint/config",
                        str(logical_id),
                        False,
                    )
                )
        if set(tools) & set(GUARD_SOURCES):
            found += _guard(resource, loaded, pointer, str(logical_id))
    if set(tools) & set(GUARD_SOURCES):
        found += _guard(tree, loaded, "/Metadata", None)
    return found


def apply(findings: list[Finding], suppressions: list[Suppression]) -> list[Finding]:
    """Mark the findings a suppression would have silenced; add one informational finding per suppression."""
    if not suppressions:
        return findings
    from tapcheck.requirements.registry import registry

    reg = registry()
    marked: list[Finding] = []
    silenced: dict[int, list[Finding]] = {}
    for finding in findings:
        by = [i for i, s in enumerate(suppressions) if s.silences(finding)]
        for i in by:
            silenced.setdefault(i, []).append(finding)
        if by:
            finding = dataclasses.replace(finding, suppressed_by="; ".join(suppressions[i].describe() for i in by))
        marked.append(finding)
    for i, suppression in enumerate(suppressions):
        hidden = silenced.get(i, [])
        requirements = {r for f in hidden for r in f.requirements}
        for rule in suppression.rules:
            check = (
                reg.guard_rules.get(rule) if suppression.tool == "cfn-guard" else reg.tool_rules.get(("cfn-lint", rule))
            )
            if check in reg.checks:
                requirements.update(reg.requirements_of(check))
        marked.append(
            Finding(
                requirements=tuple(sorted(requirements)),
                check=CHECK,
                rule=RULE,
                resource=suppression.resource,
                path=suppression.path,
                message=_message(suppression, hidden),
                fix=FIX,
                severity=Severity.INFO,
                source="tapcheck",
                file=suppression.file,
                line=suppression.line,
                column=suppression.column,
            )
        )
    return marked


def _message(suppression: Suppression, hidden: list[Finding]) -> str:
    what = []
    if suppression.rules:
        what.append(f"rules {', '.join(suppression.rules)}")
    if suppression.settings:
        what.append(f"settings {', '.join(suppression.settings)}")
    text = (
        f"{suppression.describe()} would change what {suppression.tool} reports "
        f"({'; '.join(what) or 'nothing named'}): not honoured, the verdict is as if it were absent"
    )
    if hidden:
        names = sorted({f"{f.rule} on {f.resource or 'the template'}" for f in hidden})
        text += f"; it would hide {len(hidden)} finding(s) that still count: {', '.join(names[:8])}"
        if len(names) > 8:
            text += ", ..."
    return text


def _lint_config(
    config: dict, origin: str, loaded: LoadedTemplate, pointer: str, resource: str | None, prefix: bool
) -> Suppression:
    ignore = config.get("ignore_checks")
    rules = tuple(str(r) for r in ignore) if isinstance(ignore, list) else ()
    settings = tuple(sorted(str(k) for k in config if k != "ignore_checks"))
    where = f"{pointer}/ignore_checks" if rules else pointer
    line, column = position_of(loaded.tree, where)
    return Suppression("cfn-lint", origin, rules, settings, resource, prefix, loaded.path, where, line, column)


def _guard(node: object, loaded: LoadedTemplate, pointer: str, resource: str | None) -> list[Suppression]:
    rules = _get(node, "Metadata", "guard", "SuppressedRules")
    if not isinstance(rules, list) or not rules:
        return []
    where = f"{pointer}/guard/SuppressedRules"
    line, column = position_of(loaded.tree, where)
    return [
        Suppression(
            "cfn-guard",
            "Metadata.guard.SuppressedRules",
            tuple(str(r) for r in rules),
            (),
            resource,
            False,
            loaded.path,
            where,
            line,
            column,
        )
    ]


def _cfnlintrc(directory: Path) -> list[Suppression]:
    """The working directory's cfn-lint config file (the first cfn-lint would read), as a suppression."""
    import yaml

    for name in CFNLINTRC_NAMES:
        file = directory / name
        if not file.is_file():
            continue
        label = name if directory.resolve() == Path.cwd().resolve() else str(file)
        try:
            text = file.read_text(encoding="utf-8")
            config = yaml.safe_load(text)
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return [Suppression("cfn-lint", name, (), ("unreadable",), file=label, path="/", line=1)]
        if not isinstance(config, dict):
            config = {}
        ignore = config.get("ignore_checks")
        rules = tuple(str(r) for r in ignore) if isinstance(ignore, list) else ()
        settings = tuple(sorted(str(k) for k in config if k != "ignore_checks"))
        pairs = root.value if isinstance(root, yaml.MappingNode) else []
        line = next((k.start_mark.line + 1 for k, _ in pairs if getattr(k, "value", None) == "ignore_checks"), 1)
        return [
            Suppression("cfn-lint", name, rules, settings, None, True, label, "/ignore_checks" if rules else "/", line)
        ]
    return []


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node
