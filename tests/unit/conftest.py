"""The template the property tests derive mutants from, and the mutation score in the run's
summary. (Hypothesis profiles ci/nightly: tests/conftest.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def base_template_path(request: pytest.FixtureRequest) -> str:
    """--template (the root conftest's option), else lib/TapStack.json."""
    try:
        return request.getfixturevalue("template_path")
    except pytest.FixtureLookupError:
        return str(ROOT / "lib" / "TapStack.json")


SUMMARY: list[str] = []


def pytest_sessionfinish(session):
    """Under pytest-xdist the score is computed in a worker: hand it to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["tapcheck_summary"] = list(SUMMARY)


@pytest.hookimpl(optionalhook=True)      # pytest-xdist's hook: absent under -p no:xdist
def pytest_testnodedown(node, error):
    SUMMARY.extend(getattr(node, "workeroutput", {}).get("tapcheck_summary", []))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SUMMARY:
        terminalreporter.section("mutation score")
        for block in SUMMARY:
            terminalreporter.write_line(block)
