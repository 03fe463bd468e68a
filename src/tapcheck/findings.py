"""The one finding model every check produces and every output format renders, and the one
status type shared by the gate's matrix and the live probes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Status(str, Enum):
    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"      # fails only on controls a waiver (forced by a requirement) covers
    SKIP = "skip"          # a probe could not look, for a reason outside the stack
    ERROR = "error"        # the check itself could not run


@dataclass(frozen=True)
class Finding:
    requirements: tuple[str, ...]   # every requirement this defect breaks (R4 and C3 share backup-retention)
    check: str                      # the check whose fact is broken: backup-retention, cfn-lint-clean, ...
    rule: str                       # what fired: backup-retention, W3005, CT.RDS.PR.27, required_tags, ...
    resource: str | None            # logical id, None for template-wide findings
    path: str                       # JSON pointer into the template
    message: str
    fix: str
    severity: Severity = Severity.ERROR
    source: str = "tapcheck"        # tapcheck | cfn-lint | cfn-guard | control-tower
    file: str = ""
    line: int | None = None
    column: int | None = None
    waived_by: str | None = field(default=None, compare=False)  # waiver reason, when waived
    # a suppression the gate ignored (.cfnlintrc, template Metadata) that would have hidden this finding
    suppressed_by: str | None = field(default=None, compare=False)
    # an advisory: reported in every format at its severity, never a verdict (a warning that a policy
    # cannot be decided, a note on what AWS warns about a setting the spec requires)
    advisory: bool = False

    @property
    def blocking(self) -> bool:
        return self.severity in (Severity.ERROR, Severity.WARNING) and self.waived_by is None and not self.advisory

    def breaks(self, requirement_id: str) -> bool:
        return requirement_id in self.requirements

    def to_dict(self) -> dict:
        data = asdict(self)
        data["requirements"] = list(self.requirements)
        data["severity"] = self.severity.value
        return data
