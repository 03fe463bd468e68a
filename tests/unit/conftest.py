"""The template the property tests derive mutants from, an AWS target for clients whose answers a
test injects, and the mutation score in the run's summary. (Hypothesis profiles ci/nightly:
tests/conftest.py.)"""

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


@pytest.fixture
def stubbed_aws(monkeypatch: pytest.MonkeyPatch):
    """An AWS target whose clients a test drives with botocore's Stubber: dummy credentials, no
    endpoint override, so no call can leave the process unstubbed."""
    from tapcheck.live.target import Target

    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return Target("aws", "us-east-1")


def pytest_sessionfinish(session):
    """Under pytest-xdist the score is computed in a worker: hand it to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["tapcheck_summary"] = list(SUMMARY)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: absent under -p no:xdist
def pytest_testnodedown(node, error):
    SUMMARY.extend(getattr(node, "workeroutput", {}).get("tapcheck_summary", []))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if SUMMARY:
        terminalreporter.section("mutation score")
        for block in SUMMARY:
            terminalreporter.write_line(block)
