"""`tapcheck smoke` as a use case: probe a deployed stack and decide the verdict.

The stack is described once (DescribeStacks) and handed to the probes' Context; every probe run
becomes one tapcheck.report.live.Case, and tapcheck.report.live.verdict (the drill's verdict too)
decides the exit code. Rendering is the caller's (live/commands.py, the integration suite).
"""

from __future__ import annotations

import sys
from typing import Any

from tapcheck.errors import UsageError


def run_smoke(tgt: Any, stack_name: str, only: list[str] | None = None, strict: bool = False, runner: bool = False,
              **db: Any) -> Any:
    """Run every probe against the stack: a LiveReport with one case per probe run. Exit 0 when every
    probe passed; 1 when one failed, naming its requirements — or skipped where a skip counts as
    failure (always on the local target, on AWS with --strict); 2 when nothing could be probed. A
    stack that cannot be probed at all raises UsageError (exit 2)."""
    from tapcheck.live import deploy, probing
    from tapcheck.live.context import Context
    from tapcheck.report.live import LiveReport, verdict

    stack = deploy.describe(tgt, stack_name)
    if not stack["StackStatus"].endswith("_COMPLETE") or stack["StackStatus"].startswith(("ROLLBACK", "DELETE")):
        raise UsageError(f"stack {stack_name}", f"is {stack['StackStatus']}", "deploy it again")
    ctx = Context(tgt, stack_name, described=stack, **db)
    wanted = set(only or ())
    remote = None
    if runner:  # the data-plane probes run in a Lambda function in the stack's VPC (live/runner.py)
        from tapcheck.live.runner import run_remote as remote
    cases = probing.run_all(ctx, only=(lambda p: bool(wanted & set(p.requirements))) if only else None,
                            remote=remote)
    skip_fails = probing.skip_fails(tgt.local, strict)
    decided = verdict(cases, skip_fails)
    summary = decided.summary(f"smoke {stack_name}")
    if decided.skipped and skip_fails:
        summary += (" (a skip fails the run on the local target, where nothing is outside the stack)" if tgt.local
                    else " (--strict: a skip fails the run)")
    return LiveReport("smoke", stack_name, "local" if tgt.local else "aws", cases, summary, decided.exit_code,
                      decided.failed_requirements)


def smoke(tgt: Any, stack_name: str, out: Any = None, only: list[str] | None = None, strict: bool = False,
          **db: Any) -> int:
    """run_smoke, printed as text to `out` (standard output); returns the exit code."""
    from tapcheck.report import live

    report = run_smoke(tgt, stack_name, only=only, strict=strict, **db)
    (out or sys.stdout).write(live.text(report))
    return report.exit_code
