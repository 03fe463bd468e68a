"""The one finding model every check produces and every output format renders, and the one
status type shared by the gate's matrix and the live probes.

One defect is one finding: when a requirement check, the guard rule that evidences it and a
cfn-lint rule all fire on the same spot, `merge` folds them into one finding that keeps every
tool's word in `evidence` (what fired, where, what it said), so no format loses a source.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"  # fails only on controls a waiver (forced by a requirement) covers
    SKIP = "skip"  # a probe could not look, for a reason outside the stack
    ERROR = "error"  # the check itself could not run


@dataclass(frozen=True)
class Evidence:
    """One tool's word on a defect: the rule that fired, the check and requirements it landed on,
    where it pointed and what it said."""

    source: str  # tapcheck | cfn-guard | cfn-lint | control-tower
    rule: str
    check: str
    requirements: tuple[str, ...]
    path: str
    message: str
    fix: str
    severity: Severity
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["requirements"] = list(self.requirements)
        data["severity"] = self.severity.value
        return data


@dataclass(frozen=True)
class RuleDoc:
    """What a tool's rule is, in the tool's own words (cfn-lint's rule metadata, a Control Tower
    control's metadata JSON): SARIF lists each such rule under its own id."""

    id: str  # W3005, CT.RDS.PR.27
    source: str  # cfn-lint | control-tower
    title: str  # cfn-lint's shortdesc, the control's DisplayName
    description: str  # cfn-lint's description, the control's Description
    help_uri: str | None = None  # cfn-lint's source_url, AWS's Control Tower page for the control
    severity: str | None = None  # the control's CRITICAL | HIGH | MEDIUM | LOW


@dataclass(frozen=True)
class Finding:
    requirements: tuple[str, ...]  # every requirement this defect breaks (R4 and C3 share backup-retention)
    check: str  # the check whose fact is broken: backup-retention, cfn-lint-clean, ...
    rule: str  # what fired: backup-retention, W3005, CT.RDS.PR.27, required_tags, ...
    resource: str | None  # logical id, None for template-wide findings
    path: str  # JSON pointer into the template
    message: str
    fix: str
    severity: Severity = Severity.ERROR
    source: str = "tapcheck"  # tapcheck | cfn-lint | cfn-guard | control-tower
    file: str = ""
    line: int | None = None
    column: int | None = None
    waived_by: str | None = field(default=None, compare=False)  # waiver reason, when waived
    # a suppression the gate ignored (.cfnlintrc, template Metadata) that would have hidden this finding
    suppressed_by: str | None = field(default=None, compare=False)
    # an advisory: reported in every format at its severity, never a verdict (a warning that a policy
    # cannot be decided, a note on what AWS warns about a setting the spec requires)
    advisory: bool = False
    # every tool's word on this defect when merge() folded several findings into it (this one's first);
    # empty for a finding one tool alone reported: `sources` gives its own word then
    evidence: tuple[Evidence, ...] = field(default=(), compare=False)

    @property
    def sources(self) -> tuple[Evidence, ...]:
        """Every tool's word on this defect, this finding's own first."""
        return self.evidence or (self.own_evidence(),)

    def own_evidence(self) -> Evidence:
        return Evidence(
            self.source,
            self.rule,
            self.check,
            self.requirements,
            self.path,
            self.message,
            self.fix,
            self.severity,
            self.line,
            self.column,
        )

    @property
    def blocking(self) -> bool:
        return self.severity in (Severity.ERROR, Severity.WARNING) and self.waived_by is None and not self.advisory

    def breaks(self, requirement_id: str) -> bool:
        return requirement_id in self.requirements

    def to_dict(self) -> dict:
        data = asdict(self)
        data["requirements"] = list(self.requirements)
        data["severity"] = self.severity.value
        data["evidence"] = [e.to_dict() for e in self.sources]
        return data


# Which finding of a merged group speaks for it: the requirement check (its message names the
# requirement's value), then the project's guard rule, then cfn-lint, then Control Tower.
SOURCE_ORDER = ("tapcheck", "cfn-guard", "cfn-lint", "control-tower")
# Worst first. A severity added later (and not named here) ranks after these: never the worst.
SEVERITY_ORDER = (Severity.ERROR, Severity.WARNING, Severity.INFO)
_WORD = re.compile(r"[a-z0-9_:-]+(?:\.[a-z0-9_:-]+)*")  # words; a dot inside one (rds.force_ssl) only


def merge(
    findings: Iterable[Finding], separate: Collection[str] = (), same_defect: Mapping[str, str] | None = None
) -> list[Finding]:
    """One finding per defect: findings of different tools on the same check (so the same
    requirements), the same resource, related paths (equal, or one inside the other: a guard rule
    points at Tags/0/Key where the check points at Tags), the same waiver state and the same advisory
    state become one.
    `same_defect` names tool rules (a Control Tower control) that are the same defect as another
    check's finding on that spot although they land on a requirement of their own (H6): they join
    that check's finding, which then breaks both requirements.

    The finding that speaks for the group is the one of the first source in SOURCE_ORDER; it keeps
    its rule, message, fix and position, takes the union of the requirements and the worst
    severity of the group, and lists every member in `evidence`. Findings of one tool are never
    merged with each other (two missing tags are two defects). When one tool's finding could join
    several (two tags missing, the guard rule names one), it joins the one whose message shares
    its distinctive words. Checks in `separate` (catch-alls of unrelated defects) stay apart.
    """
    items = list(findings)
    same_defect = same_defect or {}
    order = sorted(range(len(items)), key=lambda i: _source_rank(items[i].source))
    groups: list[list[int]] = []  # each a group's members, its speaker first
    speakers: dict[tuple, list[int]] = {}  # (file, check, resource, state) -> indices into groups
    for index in order:
        finding = items[index]
        if finding.check in separate:
            groups.append([index])
            continue
        # an advisory is never folded into a verdict, nor a waived finding into an unwaived one
        state = (finding.waived_by is None, finding.advisory)
        key = (finding.file, finding.check, finding.resource, state)
        keys = [key] + (
            [(finding.file, same_defect[finding.rule], finding.resource, state)] if finding.rule in same_defect else []
        )
        candidates = [
            g
            for k in keys
            for g in speakers.get(k, ())
            if items[groups[g][0]].source != finding.source and _related(items[groups[g][0]].path, finding.path)
        ]
        if candidates:
            groups[_closest(finding, candidates, groups, items)].append(index)
            continue
        speakers.setdefault(key, []).append(len(groups))
        groups.append([index])
    groups.sort(key=lambda members: members[0])
    return [_folded([items[m] for m in members]) for members in groups]


def unmerged(findings: Iterable[Finding]) -> list[Finding]:
    """Each tool's finding as it was before merge() (a per-tool view: a tool's own tests)."""
    found: list[Finding] = []
    for finding in findings:
        if not finding.evidence:
            found.append(finding)
            continue
        found += [
            replace(
                finding,
                source=e.source,
                rule=e.rule,
                check=e.check,
                requirements=e.requirements,
                path=e.path,
                message=e.message,
                fix=e.fix,
                severity=e.severity,
                line=e.line,
                column=e.column,
                evidence=(),
            )
            for e in finding.evidence
        ]
    return found


def _folded(members: list[Finding]) -> Finding:
    speaker = members[0]
    if len(members) == 1:
        return speaker
    severity = min((m.severity for m in members), key=_severity_rank)
    suppressed = next((m.suppressed_by for m in members if m.suppressed_by), None)
    requirements = tuple(dict.fromkeys(r for m in members for r in m.requirements))
    return replace(
        speaker,
        requirements=requirements,
        severity=severity,
        suppressed_by=suppressed,
        evidence=tuple(e for m in members for e in m.sources),
    )


def _closest(finding: Finding, candidates: list[int], groups: list[list[int]], items: list[Finding]) -> int:
    """The candidate group whose speaker's message shares the most words with this finding's that
    the other candidates' messages lack; the first on a tie."""
    if len(candidates) == 1:
        return candidates[0]
    words = {g: set(_WORD.findall(items[groups[g][0]].message.lower())) for g in candidates}
    common = set.intersection(*words.values())
    mine = set(_WORD.findall(finding.message.lower()))
    return max(candidates, key=lambda g: len((words[g] - common) & mine))


def _related(a: str, b: str) -> bool:
    """Equal JSON pointers, or one inside the other; the template's root relates to itself alone."""
    if a == b:
        return True
    if a.strip("/") == "" or b.strip("/") == "":
        return False
    return b.startswith(a.rstrip("/") + "/") or a.startswith(b.rstrip("/") + "/")


def _source_rank(source: str) -> int:
    return SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER)


def _severity_rank(severity: Severity) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)
