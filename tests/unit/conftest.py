"""Hypothesis profiles for the property tests, and the mutation score in the run's summary.

Profiles (pick with HYPOTHESIS_PROFILE=nightly or pytest --hypothesis-profile=nightly):
- ``ci`` (default): bounded and derandomized, so the unit suite stays well under 3 minutes on
  two cores and a red build reproduces;
- ``nightly``: many more examples, random each night, for depth.
Tests scale their example counts from the active profile's max_examples (100 under ci).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[2]

settings.register_profile("ci", max_examples=100, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("nightly", max_examples=2000, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def pytest_configure(config: pytest.Config) -> None:
    chosen = config.getoption("hypothesis_profile", default=None) or os.environ.get("HYPOTHESIS_PROFILE") or "ci"
    settings.load_profile(chosen)


settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")


@pytest.fixture(scope="session")
def base_template_path(request: pytest.FixtureRequest) -> str:
    try:
        return request.getfixturevalue("template_path")
    except pytest.FixtureLookupError:
        return str(ROOT / "lib" / "TapStack.json")


SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SUMMARY:
        terminalreporter.section("mutation score")
        for block in SUMMARY:
            terminalreporter.write_line(block)
