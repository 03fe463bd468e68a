"""Every probe the requirement folders declare, against the deployed stack. On the local target a
probe that could not look fails the test (the emulator owns everything the stack names); on AWS
it is skipped with its reason unless --strict. Test ids carry the requirement ids and the
endpoint, e.g. test_probe[R7+C5-log_statement_in_effect[reader]]."""

from __future__ import annotations

import pytest

from tapcheck.findings import Status
from tapcheck.live.probing import ProbeRun, run_probe, runs, skip_fails
from tapcheck.requirements.registry import registry


@pytest.mark.parametrize("run", runs(), ids=lambda r: r.id)
def test_probe(run: ProbeRun, live_stack, live_options) -> None:
    result = run_probe(run, live_stack)
    if result.status is Status.SKIP and not skip_fails(live_stack.target.local, live_options.strict):
        pytest.skip(f"{run.name}: {result.detail}")
    assert result.status is Status.PASS, f"{','.join(result.requirements)} {run.name}: {result.detail}"
    assert result.detail


def test_every_spec_requirement_has_a_probe_or_a_reason() -> None:
    reg = registry()
    probed = {r for run in runs() for r in run.probe.requirements}
    unprobed = [r.id for r in reg.requirements if r.id not in probed and not r.no_probe_reason]
    assert unprobed == [], f"requirements without a live probe or a reason why none can exist: {unprobed}"
    assert {run.probe.plane for run in runs()} == {"control", "data", "behaviour"}
