"""H6 — the AWS Control Tower proactive controls for these services pass, or are waived by a requirement."""

from __future__ import annotations

from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import INSTANCE, props

SPEC = ("Hardening: whatever else the AWS Control Tower proactive controls ask; only a requirement may force an "
        "exception, recorded as a waiver")


def passing_example(template: dict) -> None:
    props(template, INSTANCE)["AutoMinorVersionUpgrade"] = "true"


def failing_example(template: dict) -> None:
    props(template, INSTANCE)["AutoMinorVersionUpgrade"] = False          # CT.RDS.PR.5


# Evidence comes from the Control Tower guard pack (cfn-guard) and the waivers file.
REQUIREMENT = Requirement("H6", "AWS Control Tower proactive controls", SPEC, None, passing_example, failing_example,
                          tools=("control-tower",))
