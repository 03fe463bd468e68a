"""Options shared by every test directory: which template the suite checks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tapcheck import DEFAULT_TEMPLATE

ROOT = Path(__file__).resolve().parent

# --target, --stack-name, --db-host, --db-port and the deployed-stack fixtures
pytest_plugins = ["tapcheck.live.pytest_plugin"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--template", default=str(ROOT / DEFAULT_TEMPLATE),
                     help=f"template the unit and integration suites check (default {DEFAULT_TEMPLATE})")


@pytest.fixture(scope="session")
def template_path(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--template")


UNIT = ROOT / "tests" / "unit"


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """`pytest tests/unit` runs on every core (pytest-xdist), so the unit suite answers within its
    budget on two cores. Only when every path asked for is under tests/unit, xdist is installed and
    the command did not choose itself (-n, -p no:xdist); the integration suite's session emulator is
    meant to be started once, so it stays serial."""
    if os.environ.get("PYTEST_XDIST_WORKER") or not config.pluginmanager.hasplugin("xdist"):
        return
    if getattr(config.option, "numprocesses", None) is not None or config.option.collectonly:
        return
    paths = [Path(arg.split("::")[0]).resolve() for arg in config.args]
    if paths and all(path == UNIT or UNIT in path.parents for path in paths):
        config.option.numprocesses = min(os.cpu_count() or 1, 4)
        # worksteal: a worker that runs out of tests takes half of another's queue, so one long
        # file (the requirement tests, the mutation score) no longer holds its worker's others back
        # (measured on 2 cores, same tree: loadfile 180 s, worksteal 143 s)
        config.option.dist = "worksteal"
