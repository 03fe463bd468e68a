"""Waivers, as data (rules/waivers.yaml): a hardening control the specification forces us to break.

A waiver names the control (a finding's rule), the resource type (or logical id) it covers,
the requirement that forces it and why. Applying waivers never hides anything:

- a finding a waiver matches stays in the list, with ``waived_by`` set (non-blocking);
- a waiver that matches no finding becomes a blocking finding (rule ``waiver.unused``), so
  a waiver outlives neither the problem nor a rename of the control;
- only hardening findings (requirement H*) can be waived; requirements, constraints and
  spec details always block;
- the requirement a waiver names as forcing it must be one whose checks contradict the control:
  its folder's requirement.toml lists the control in `conflicts_with` (C2: CT.RDS.PR.3);
- in a batch, a waiver is unused when no template of the batch used it (a waiver for the
  database template is not stale on the network template checked beside it).

tapcheck's own waivers (rules/waivers.yaml of the installed package, or TAPCHECK_WAIVERS) always
apply; a project adds its own file through its config or --waivers (tapcheck.project), under
the same rules.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tapcheck.errors import UsageError
from tapcheck.findings import Finding, Severity
from tapcheck.model import Model

ENV_WAIVERS = "TAPCHECK_WAIVERS"
UNUSED_RULE = "waiver.unused"
UNUSED_CHECK = "control-tower"  # an unused waiver is a defect of the H6 evidence
WAIVABLE_PREFIX = "H"  # hardening only
_KEYS_REQUIRED = ("control", "requirement", "reason")
_KEYS_SCOPE = ("resource_type", "resource")
_REQUIREMENT_ID = re.compile(r"[RCS]\d+")
_RESOURCE_TYPE = re.compile(r"[A-Za-z0-9]+::[A-Za-z0-9]+::[A-Za-z0-9]+")
# a control's source when a tool that produces it may not have run
_SOURCE_OF_CONTROL = (("CT.", "control-tower"),)


@dataclass(frozen=True)
class Waiver:
    control: str
    requirement: str
    reason: str
    resource_type: str | None = None
    resource: str | None = None
    index: int = 0
    line: int | None = None
    file: str = ""

    def matches(self, finding: Finding, model: Model) -> bool:
        if finding.rule != self.control or not all(r.startswith(WAIVABLE_PREFIX) for r in finding.requirements):
            return False
        if self.resource is not None and finding.resource != self.resource:
            return False
        if self.resource_type is not None:
            resource = model.resources.get(finding.resource) if finding.resource else None
            if resource is None or resource.type != self.resource_type:
                return False
        return True

    def describe(self) -> str:
        scope = self.resource_type or self.resource
        return f"waiver #{self.index + 1} ({self.control} on {scope}, forced by {self.requirement})"

    @property
    def key(self) -> tuple[str, int]:
        return self.file, self.index


def default_path() -> Path:
    configured = os.environ.get(ENV_WAIVERS)
    if configured:
        return Path(configured)
    from tapcheck.requirements.registry import rules_root

    return rules_root() / "waivers.yaml"


def load_waivers(path: str | os.PathLike | None = None) -> list[Waiver]:
    """The waivers of the file; none when it does not exist; UsageError when it is malformed."""
    file = Path(path) if path is not None else default_path()
    label = str(file)
    if not file.exists():
        if path is not None or os.environ.get(ENV_WAIVERS):
            raise UsageError(label, "no such waivers file", "pass the path of a waivers YAML file")
        return []
    import yaml

    try:
        text = file.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except OSError as exc:
        raise UsageError(label, f"cannot be read: {exc.strerror or exc}", "check the file's permissions") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problem = " ".join(str(exc).split())
        raise UsageError(label, f"is not valid YAML: {problem}", "fix the YAML syntax") from None
    fix = "write `waivers:` as a list of {control, resource_type, requirement, reason}"
    if data is None:
        return []
    entries, nodes = data, root
    if isinstance(data, dict):
        if set(data) - {"waivers"}:
            raise UsageError(label, f"has unknown top-level keys {sorted(map(str, set(data) - {'waivers'}))}", fix)
        entries = data.get("waivers") or []
        nodes = next((v for k, v in root.value if k.value == "waivers"), None) if root is not None else None
    if not isinstance(entries, list):
        raise UsageError(label, "`waivers` is not a list", fix)
    items = getattr(nodes, "value", None)
    lines = [item.start_mark.line + 1 for item in items] if isinstance(items, list) else []
    return [
        _waiver(entry, index, lines[index] if index < len(lines) else None, label)
        for index, entry in enumerate(entries)
    ]


def _waiver(entry: object, index: int, line: int | None, label: str) -> Waiver:
    where = f"{label}: waiver #{index + 1}" + (f" (line {line})" if line else "")
    fix = "give each waiver control, resource_type (or resource), requirement and reason"
    if not isinstance(entry, dict):
        raise UsageError(where, "is not a mapping", fix)
    unknown = set(map(str, entry)) - set(_KEYS_REQUIRED) - set(_KEYS_SCOPE)
    if unknown:
        raise UsageError(where, f"has unknown keys {sorted(unknown)}", fix)
    for key in _KEYS_REQUIRED:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise UsageError(where, f"has no `{key}`", fix)
    scope = [key for key in _KEYS_SCOPE if entry.get(key) is not None]
    if len(scope) != 1 or not isinstance(entry[scope[0]], str):
        raise UsageError(where, "needs exactly one of `resource_type` or `resource`", fix)
    requirement = entry["requirement"].strip()
    if not _REQUIREMENT_ID.fullmatch(requirement) or not _known_requirement(requirement):
        raise UsageError(
            where,
            f"names {requirement!r}, not a requirement of the spec (R*, C* or S*)",
            "name the requirement, constraint or spec detail that forces the exception",
        )
    control = entry["control"].strip()
    forcing = _requirement(requirement)
    if control not in forcing.conflicts_with:
        declared = f" (it declares {', '.join(forcing.conflicts_with)})" if forcing.conflicts_with else ""
        owners = sorted(r.id for r in _requirements() if control in r.conflicts_with)
        fix = (
            f"name {' or '.join(owners)}, whose checks conflict with {control}"
            if owners
            else f"no requirement's checks conflict with {control}: fix the template instead of waiving it"
        )
        raise UsageError(
            where,
            f"says {requirement} forces {control}, but {requirement}'s checks do not conflict "
            f"with it: rules/{forcing.folder}/requirement.toml has no conflicts_with entry for it"
            f"{declared}",
            fix,
        )
    resource_type = entry.get("resource_type")
    if resource_type is not None and not _RESOURCE_TYPE.fullmatch(resource_type):
        raise UsageError(
            where, f"resource_type {resource_type!r} is not a CloudFormation type", "write it as AWS::Service::Resource"
        )
    return Waiver(
        control=control,
        requirement=requirement,
        reason=" ".join(entry["reason"].split()),
        resource_type=resource_type,
        resource=entry.get("resource"),
        index=index,
        line=line,
        file=label,
    )


def _requirements():
    from tapcheck.requirements.registry import registry

    return registry().requirements


def _known_requirement(requirement_id: str) -> bool:
    return any(r.id == requirement_id for r in _requirements())


def _requirement(requirement_id: str):
    return next(r for r in _requirements() if r.id == requirement_id)


@dataclass(frozen=True)
class WaiverUse:
    """What one template made of the waivers: the ones it used, and the ones that could have
    fired there (their control's tool ran and the resource they name is in it). A batch judges a
    waiver unused over all its templates (tapcheck.batch)."""

    used: frozenset[tuple[str, int]] = frozenset()
    in_scope: frozenset[tuple[str, int]] = frozenset()


def load_all(path: str | os.PathLike | None = None, extra: Iterable[str | os.PathLike] = ()) -> list[Waiver]:
    """tapcheck's waivers (`path`, default the package's) and a project's own files."""
    waivers = load_waivers(path)
    for file in extra:
        waivers += load_waivers(file)
    return waivers


def apply_waivers(
    findings: list[Finding],
    model: Model,
    path: str | os.PathLike | None = None,
    sources: Iterable[str] | None = None,
    extra: Iterable[str | os.PathLike] = (),
) -> list[Finding]:
    """Mark the findings waivers cover; add a blocking finding per waiver that covers nothing.

    ``path``: tapcheck's waivers file (default: the package's); ``extra``: a project's own files.
    ``sources``: the tools that ran (finding sources, e.g. ``control-tower``); a waiver of a
    control whose tool did not run is not reported unused. None means every tool ran.
    """
    waivers = load_all(path, extra)
    marked, use = waive(findings, model, waivers, sources)
    return marked + unused(waivers, [use])


def waive(
    findings: list[Finding], model: Model, waivers: list[Waiver], sources: Iterable[str] | None = None
) -> tuple[list[Finding], WaiverUse]:
    """The findings with those waivers cover marked (non-blocking, still listed), and what this
    template made of the waivers."""
    ran = set(sources) if sources is not None else None
    used: set[tuple[str, int]] = set()
    result: list[Finding] = []
    for finding in findings:
        waiver = next((w for w in waivers if w.matches(finding, model)), None)
        if waiver is not None and finding.waived_by is None:
            used.add(waiver.key)
            finding = dataclasses.replace(finding, waived_by=waiver.reason)
        result.append(finding)
    in_scope = {w.key for w in waivers if _tool_ran(w.control, ran) and _in_scope(w, model)}
    return result, WaiverUse(frozenset(used), frozenset(in_scope))


def unused(waivers: list[Waiver], uses: list[WaiverUse]) -> list[Finding]:
    """A blocking finding per waiver that could have fired on some template of the batch (`uses`,
    one per template) and covered nothing on any."""
    from tapcheck.requirements.registry import registry

    used = set().union(*(u.used for u in uses)) if uses else set()
    in_scope = set().union(*(u.in_scope for u in uses)) if uses else set()
    where = f" in any of the {len(uses)} templates checked" if len(uses) > 1 else ""
    found = []
    for waiver in waivers:
        if waiver.key in used or waiver.key not in in_scope:
            continue
        scope = f"resource type {waiver.resource_type}" if waiver.resource_type else f"resource {waiver.resource}"
        found.append(
            Finding(
                requirements=registry().requirements_of(UNUSED_CHECK),
                check=UNUSED_CHECK,
                rule=UNUSED_RULE,
                resource=None,
                path=f"/waivers/{waiver.index}",
                message=f"{waiver.describe()} matches no finding: {waiver.control} does not fire on any {scope}{where}",
                fix=(
                    f"remove the waiver from {waiver.file or 'the waivers file'} "
                    "or correct its control or resource_type"
                ),
                severity=Severity.ERROR,
                source="tapcheck",
                file=waiver.file,
                line=waiver.line,
            )
        )
    return found


def _in_scope(waiver: Waiver, model: Model) -> bool:
    """A waiver is stale only where its control could fire: a template without the resource it
    names has nothing for it to cover (another template of a batch, say)."""
    if waiver.resource is not None:
        return waiver.resource in model.resources
    return waiver.resource_type is not None and bool(model.of_type(waiver.resource_type))


def _tool_ran(control: str, ran: set[str] | None) -> bool:
    if ran is None:
        return True
    for prefix, source in _SOURCE_OF_CONTROL:
        if control.startswith(prefix):
            return source in ran
    return True
