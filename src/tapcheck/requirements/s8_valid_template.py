"""S8 — a valid CloudFormation template: cfn-lint reports no error and no warning."""

from __future__ import annotations

from tapcheck.requirements.base import Requirement
from tapcheck.requirements.common import CLUSTER, props

SPEC = "The template deploys: cfn-lint (resource schemas, intrinsic functions, AWS data) finds no error or warning"


def passing_example(template: dict) -> None:
    template["Metadata"] = {"Owner": "payments-platform"}


def failing_example(template: dict) -> None:
    props(template, CLUSTER)["IAMDatabaseAuthenticationEnabled"] = True    # not a DBCluster property (E3002)


# Evidence comes from cfn-lint alone, run in-process by the gate; its findings map here unless
# tools/lint.py maps a rule to a more specific requirement (W3690 -> R1, W3005 -> C10).
REQUIREMENT = Requirement("S8", "Valid CloudFormation (cfn-lint clean)", SPEC, None, passing_example, failing_example,
                          tools=("cfn-lint",))
