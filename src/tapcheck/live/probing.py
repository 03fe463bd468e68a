"""Running the probes the requirement folders declare, on a deployed stack.

A probe is a function of a Context marked @probe("check-id", ..., title=...) in
rules/<folder>/probes.py. It returns a detail when its checks hold on the live stack, raises
Fail when they do not and Skip when it could not look. A probe marked per_endpoint runs once
on the writer and once on the reader endpoint. Both pytest (tests/integration) and
`tapcheck smoke` run them through run_probe, and both judge SKIPs the same way (skip_fails).
A probe run's outcome is a tapcheck.report.live.Case, the one type every report renders.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tapcheck.findings import Status
from tapcheck.live.collect import Probe, probes
from tapcheck.live.context import ENDPOINT_ROLES, Context, Fail, Skip, one_line
from tapcheck.report.live import Case


@dataclass(frozen=True)
class ProbeRun:
    """One probe, on one endpoint when it runs per endpoint."""

    probe: Probe
    role: str | None = None

    @property
    def id(self) -> str:
        return self.probe.id + (f"[{self.role}]" if self.role else "")

    @property
    def name(self) -> str:
        return self.probe.name + (f"[{self.role}]" if self.role else "")

    def outcome(self, status: Status, detail: str, seconds: float = 0.0) -> Case:
        """This run's case in the reports."""
        return Case(
            self.name,
            self.probe.requirements,
            status,
            detail,
            seconds,
            endpoint=self.role,
            plane=self.probe.plane,
            checks=self.probe.checks,
        )


def runs(only: Callable[[Probe], bool] | None = None) -> list[ProbeRun]:
    found = []
    for probe in probes():
        if only is not None and not only(probe):
            continue
        if probe.mark.per_endpoint:
            found += [ProbeRun(probe, role) for role in ENDPOINT_ROLES]
        else:
            found.append(ProbeRun(probe))
    return found


def run_probe(run: ProbeRun, ctx: Context) -> Case:
    started = time.monotonic()
    try:
        detail = run.probe.function(ctx, run.role) if run.role else run.probe.function(ctx)
        status = Status.PASS
    except Fail as e:
        status, detail = Status.FAIL, str(e)
    except Skip as e:
        status, detail = Status.SKIP, str(e)
    except Exception as e:
        from tapcheck.errors import UsageError

        if isinstance(e, UsageError):
            raise
        status, detail = Status.FAIL, f"could not check: {type(e).__name__}: {one_line(e)}"
    if status is Status.PASS and not detail:
        status, detail = Status.FAIL, "the probe returned no evidence"
    return run.outcome(status, str(detail), time.monotonic() - started)


def run_all(
    ctx: Context,
    only: Callable[[Probe], bool] | None = None,
    remote: Callable[[Context, list[ProbeRun]], dict[str, Case]] | None = None,
) -> list[Case]:
    """Every probe run's case, in order. With `remote` (the in-VPC runner, runner.run_remote), the
    data-plane runs are handed to it in one batch and their cases ({run id: case}) come back; the
    control-plane runs stay here."""
    selected = runs(only)
    far = [run for run in selected if remote is not None and run.probe.plane == "data"]
    done = remote(ctx, far) if remote is not None and far else {}
    cases = []
    for run in selected:
        if run not in far:
            cases.append(run_probe(run, ctx))
        else:
            cases.append(
                done.get(run.id) or run.outcome(Status.SKIP, "the in-VPC runner returned no result for this run")
            )
    return cases


def skip_fails(local: bool, strict: bool) -> bool:
    """A SKIP fails the run on the local target (the emulator owns everything: nothing is outside
    the stack there), and on AWS when --strict asks for it."""
    return local or strict
