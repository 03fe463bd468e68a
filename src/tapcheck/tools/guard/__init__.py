"""cfn-guard, run as a subprocess: where it is (locate), fetching it (provision), one run
(run), reading its report (parse), and the two rule packs as findings (packs)."""

from tapcheck.tools.guard.locate import cfn_guard_binary, control_tower_dir, find_binary
from tapcheck.tools.guard.packs import run_control_tower, run_extra_rules, run_project_rules

__all__ = [
    "cfn_guard_binary",
    "control_tower_dir",
    "find_binary",
    "run_control_tower",
    "run_extra_rules",
    "run_project_rules",
]
