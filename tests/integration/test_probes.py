"""Every probe against the deployed stack. A probe that could not look is a skip with
its reason, never a pass. Test ids carry the requirement id, e.g. test_probe[R7-parameter_group]."""

from __future__ import annotations

import pytest

from tapcheck.live.probes import PROBES, Probe, run_probe


@pytest.mark.parametrize("p", PROBES, ids=lambda p: p.id)
def test_probe(p: Probe, live_stack) -> None:
    result = run_probe(p, live_stack)
    if result.status == "skip":
        pytest.skip(f"{p.req} {p.name}: {result.detail}")
    assert result.status == "pass", f"{p.req} {p.name}: {result.detail}"
    assert result.detail


def test_every_requirement_has_a_probe() -> None:
    ids = {p.req for p in PROBES}
    wanted = {"R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R9", "R10",
              "C6", "C7", "S1", "S2", "S3", "H1", "H2", "H3", "H4", "H5"}
    assert wanted <= ids, f"requirements without a live probe: {sorted(wanted - ids)}"
    assert {p.plane for p in PROBES} == {"control", "data"}
