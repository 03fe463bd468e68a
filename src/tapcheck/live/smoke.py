"""`tapcheck smoke` as a use case: probe a deployed stack and decide the verdict.

The stack is described once (DescribeStacks) and handed to the probes' Context; every probe run
becomes one tapcheck.report.live.Case, and tapcheck.report.live.verdict (the drill's verdict too)
decides the exit code. Rendering is the caller's (live/commands.py, the integration suite).

What smoke may change (issue 21), the rule `--help` and the README state:
- On AWS nothing, unless asked: no alarm fired, no row or table written, nothing left subscribed.
  `fire_alarm` (--fire-alarm) lets H4 set the CPU alarm to ALARM and back (every confirmed subscriber
  of its topic is notified, of the ALARM and of the OK); `writes` (--write-probes) lets C6 write a row
  in a schema it creates for the run and drops. Without them H4 and C6 are judged read-only.
- On the local target (a test emulator, owning everything) both default to on; --no-fire-alarm and
  --no-write-probes judge read-only there too.
- Whatever a run makes (the probe queue and subscription, the write probe's schema, the in-VPC runner)
  is removed and what it changes (the alarm's state) put back on every exit path: a failed probe,
  Ctrl-C, SIGTERM, SIGHUP (tapcheck.interrupts).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tapcheck.errors import UsageError


def changes(local: bool, writes: bool | None, fire_alarm: bool | None) -> tuple[bool, bool]:
    """(may write, may fire the alarm): what was asked, else the target's default (local: yes; AWS: no)."""
    return (local if writes is None else writes), (local if fire_alarm is None else fire_alarm)


def run_smoke(
    tgt: Any,
    stack_name: str,
    only: list[str] | None = None,
    strict: bool = False,
    runner: bool = False,
    writes: bool | None = None,
    fire_alarm: bool | None = None,
    **db: Any,
) -> Any:
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
    may_write, may_fire = changes(tgt.local, writes, fire_alarm)
    ctx = Context(tgt, stack_name, described=stack, writes=may_write, fire_alarm=may_fire, **db)
    wanted = set(only or ())
    remote: Callable[[Any, list[Any]], dict[str, Any]] | None = None
    if runner:  # the data-plane probes run in a Lambda function in the stack's VPC (live/runner.py)
        from tapcheck.live.runner import run_remote

        remote = run_remote
    cases = probing.run_all(ctx, only=(lambda p: bool(wanted & set(p.requirements))) if only else None, remote=remote)
    skip_fails = probing.skip_fails(tgt.local, strict)
    decided = verdict(cases, skip_fails)
    summary = decided.summary(f"smoke {stack_name}")
    if decided.skipped and skip_fails:
        summary += (
            " (a skip fails the run on the local target, where nothing is outside the stack)"
            if tgt.local
            else " (--strict: a skip fails the run)"
        )
    if not tgt.local:
        summary += f" ({_changed(may_write, may_fire)})"
    return LiveReport(
        "smoke",
        stack_name,
        "local" if tgt.local else "aws",
        cases,
        summary,
        decided.exit_code,
        decided.failed_requirements,
        {"write_probes": may_write, "fire_alarm": may_fire},
    )


def _changed(may_write: bool, may_fire: bool) -> str:
    if not may_write and not may_fire:
        return "read-only: no alarm fired, nothing written; --fire-alarm and --write-probes opt in"
    said = []
    if may_fire:
        said.append("--fire-alarm: the CPU alarm fired and set back as found, its subscribers notified")
    if may_write:
        said.append("--write-probes: a row written in a schema of the run's own, dropped")
    return "; ".join(said)


def smoke(
    tgt: Any, stack_name: str, out: Any = None, only: list[str] | None = None, strict: bool = False, **options: Any
) -> int:
    """run_smoke, printed as text to `out` (standard output); returns the exit code."""
    from tapcheck.report import live

    report = run_smoke(tgt, stack_name, only=only, strict=strict, **options)
    (out or sys.stdout).write(live.text(report))
    return report.exit_code
