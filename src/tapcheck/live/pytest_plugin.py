"""pytest options for the integration suite, loaded from the root conftest with
`pytest_plugins = ["tapcheck.live.pytest_plugin"]`. Only options and a fixture here;
no boto3/moto/psycopg import at import time. `--template` belongs to the root conftest.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("tapcheck-live", "deploy-and-probe integration tests")
    g.addoption(
        "--target",
        choices=("local", "aws"),
        default="local",
        help="where tests/integration deploys: the local emulator (default) or AWS",
    )
    g.addoption("--stack-name", default=None, help="attach to this existing stack: probes only, no deploy or delete")
    g.addoption("--region", default=None, help="AWS region for --target aws")
    g.addoption(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template parameter for the deploy (repeatable; on AWS the subnets and security group)",
    )
    g.addoption("--db-host", default=None, help="reach the writer through this host (tunnel)")
    g.addoption("--db-port", type=int, default=None, help="port for --db-host")
    g.addoption("--db-reader-host", default=None, help="reach the reader through this host (tunnel)")
    g.addoption("--db-reader-port", type=int, default=None, help="port for --db-reader-host")
    g.addoption(
        "--strict-probes",
        action="store_true",
        default=False,
        dest="strict_probes",
        help="on AWS, a probe that could not look fails instead of skipping (on the local target it always does)",
    )


@dataclass(frozen=True)
class LiveOptions:
    target: str
    stack_name: str | None
    region: str | None
    params: tuple[str, ...]
    db_host: str | None
    db_port: int | None
    db_reader_host: str | None
    db_reader_port: int | None
    template: str
    strict: bool = False


@pytest.fixture(scope="session")
def live_options(request: pytest.FixtureRequest) -> LiveOptions:
    opt = request.config.getoption
    from tapcheck import DEFAULT_TEMPLATE

    try:
        template = opt("--template")
    except ValueError:
        template = DEFAULT_TEMPLATE
    return LiveOptions(
        target=opt("--target"),
        stack_name=opt("--stack-name"),
        region=opt("--region"),
        params=tuple(opt("--param") or ()),
        db_host=opt("--db-host"),
        db_port=opt("--db-port"),
        db_reader_host=opt("--db-reader-host"),
        db_reader_port=opt("--db-reader-port"),
        template=template or DEFAULT_TEMPLATE,
        strict=bool(opt("--strict-probes")),
    )
