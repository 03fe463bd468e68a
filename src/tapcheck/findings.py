"""The one finding model every check produces and every output format renders."""

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
    ERROR = "error"        # the check itself could not run


@dataclass(frozen=True)
class Finding:
    requirement: str            # requirement id this finding breaks (R1, C9, S3, H2, ...)
    rule: str                   # the rule that fired: R1.engine-version, W3005, CT.RDS.PR.27, ...
    resource: str | None        # logical id, None for template-wide findings
    path: str                   # JSON pointer into the template
    message: str
    fix: str
    severity: Severity = Severity.ERROR
    source: str = "tapcheck"    # tapcheck | cfn-lint | cfn-guard | control-tower
    file: str = ""
    line: int | None = None
    waived_by: str | None = field(default=None, compare=False)  # waiver reason, when waived

    @property
    def blocking(self) -> bool:
        return self.severity in (Severity.ERROR, Severity.WARNING) and self.waived_by is None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data
