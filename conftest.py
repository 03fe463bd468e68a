"""Options shared by every test directory: which template the suite checks."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

# --target, --stack-name, --db-host, --db-port and the deployed-stack fixtures
pytest_plugins = ["tapcheck.live.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--template", default=str(ROOT / "lib" / "TapStack.json"),
                     help="template the unit and integration suites check (default lib/TapStack.json)")


@pytest.fixture(scope="session")
def template_path(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--template")
