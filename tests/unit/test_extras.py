"""Installs that carry each use: the base install and each extra ([aws], [emulator], [lsp]) go into a
clean virtual environment of their own, and the commands of that use run there; a command whose
extra is missing ends with one line naming the extra and a pip command, exit 3 -- never 4.

Offline: the package is built from a copy of this checkout (no build isolation, no index) and every
dependency comes from the wheelhouse scripts/bootstrap.sh keeps in .tools/wheelhouse/ (pip download
of the extras' pinned packages), with --no-index. The venvs have no pip of their own (--without-pip):
this interpreter's pip installs into them (`pip --python`), which is also what keeps each under ~10 s.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cli_in_process import tapcheck
from source_copy import copy_sources

ROOT = Path(__file__).resolve().parents[2]
WHEELHOUSE = ROOT / ".tools" / "wheelhouse"
VERSION = "0.1.0"


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> Path:
    assert (WHEELHOUSE / ".pyproject-sha256").is_file(), "scripts/bootstrap.sh fills .tools/wheelhouse/: run it"
    base = tmp_path_factory.mktemp("extras-build")
    source = copy_sources(base)
    dist = base / "dist"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(dist),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    return dist


def make_venv(where: Path, requirement: str, dist: Path) -> Path:
    """A clean venv holding `requirement` (e.g. tapcheck[aws]) and what it depends on, nothing else."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True, timeout=120)
    python = where / "bin" / "python"
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-compile",
            "--no-index",
            "--find-links",
            str(WHEELHOUSE),
            "--find-links",
            str(dist),
            requirement,
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PIP_CONSTRAINT": ""},
        check=False,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return where


def installed(venv: Path) -> set[str]:
    listing = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            (
                "import importlib.metadata as m; print('\\n'.join(sorted(d.metadata['Name'].lower() "
                "for d in m.distributions())))"
            ),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(listing.stdout.split())


def run(venv: Path, *args: str, cwd: Path, timeout: int = 120, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TAPCHECK_", "VIRTUAL_ENV"))}
    # no credentials anywhere, and never the instance metadata service: nothing may leave the machine
    environment.update(
        AWS_CONFIG_FILE=str(cwd / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(cwd / "no-creds"),
        AWS_EC2_METADATA_DISABLED="true",
        HOME=str(cwd),
        **env,
    )
    environment["PATH"] = f"{venv / 'bin'}{os.pathsep}{environment['PATH']}"
    return subprocess.run(
        [str(venv / "bin" / "tapcheck"), *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_names_extra(result: subprocess.CompletedProcess, extra: str) -> None:
    """Exit 3, one line on stderr, the extra named and a pip command that installs it by name."""
    assert result.returncode == 3, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert f"comes with the extra [{extra}]" in line, line
    assert f"install 'tapcheck[{extra}]=={VERSION}')" in line, line  # installed by name: the index form
    assert "internal error" not in line and "Traceback" not in result.stderr


def test_the_base_install_is_the_gate_alone_and_names_the_extra_each_live_command_needs(built_wheel, tmp_path):
    venv = make_venv(tmp_path / "base", "tapcheck", built_wheel)
    assert not {"boto3", "botocore", "psycopg", "moto", "pygls"} & installed(venv)
    assert run(venv, "--version", cwd=tmp_path).returncode == 0
    assert run(venv, "plan", "--help", cwd=tmp_path).returncode == 0
    for args, extra in [
        (("smoke", "--target", "aws", "--stack-name", "x", "--region", "us-east-1"), "aws"),
        (("deploy", "--target", "aws", "--stack-name", "x", "--region", "us-east-1"), "aws"),
        (("runner", "cleanup", "--target", "aws", "--stack-name", "x", "--region", "us-east-1"), "aws"),
        (("destroy", "--target", "aws", "--stack-name", "x"), "aws"),
        (("smoke", "--stack-name", "x"), "emulator"),
        (("emulator", "start", "--emulator-state", str(tmp_path / "state.json")), "emulator"),
        (("lsp",), "lsp"),
        (("score", str(ROOT / "lib" / "TapStack.json")), "test"),
    ]:
        assert_names_extra(run(venv, *args, cwd=tmp_path), extra)
    assert not (tmp_path / "state.json").exists()


def test_the_aws_extra_runs_the_live_commands_on_aws(built_wheel, tmp_path):
    venv = make_venv(tmp_path / "aws", "tapcheck[aws]", built_wheel)
    assert {"boto3", "botocore", "psycopg", "psycopg-binary"} <= installed(venv)
    assert "moto" not in installed(venv)
    assert run(venv, "smoke", "--help", cwd=tmp_path).returncode == 0
    # past the import: boto3 looks for credentials, finds none (the environment has none), exit 2
    smoke = run(venv, "smoke", "--target", "aws", "--stack-name", "x", "--region", "us-east-1", cwd=tmp_path)
    assert smoke.returncode == 2, smoke.stderr
    assert smoke.stderr.strip() == (
        "tapcheck: --target aws: no AWS credentials found in the standard chain "
        "(fix: configure credentials (env, profile, SSO or instance role))"
    )
    # the local target needs the other extra
    assert_names_extra(
        run(venv, "emulator", "start", "--emulator-state", str(tmp_path / "s.json"), cwd=tmp_path), "emulator"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(os.geteuid() != 0, reason="the emulator runs PostgreSQL as the postgres user: root only")
def test_the_emulator_extra_starts_the_emulator_and_probes_through_it(built_wheel, tmp_path):
    venv = make_venv(tmp_path / "emulator", "tapcheck[emulator]", built_wheel)
    assert {"moto", "flask", "boto3", "psycopg"} <= installed(venv)
    assert run(venv, "emulator", "start", "--help", cwd=tmp_path).returncode == 0
    state = str(tmp_path / "emulator.json")
    started = run(
        venv, "emulator", "start", "--port", str(_free_port()), "--emulator-state", state, cwd=tmp_path, timeout=180
    )
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert started.stdout.startswith("emulator ready at http://127.0.0.1:")
        smoke = run(venv, "smoke", "--stack-name", "nothing-here", "--emulator-state", state, cwd=tmp_path)
        assert smoke.returncode == 2 and "nothing-here" in smoke.stderr, smoke.stdout + smoke.stderr
        assert "internal error" not in smoke.stderr
    finally:
        stopped = run(venv, "emulator", "stop", "--emulator-state", state, cwd=tmp_path, timeout=60)
    assert stopped.returncode == 0, stopped.stderr
    assert not Path(state).exists()


def test_the_lsp_extra_serves(built_wheel, tmp_path):
    venv = make_venv(tmp_path / "lsp", "tapcheck[lsp]", built_wheel)
    assert {"pygls", "lsprotocol"} <= installed(venv) and "boto3" not in installed(venv)
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": None, "rootUri": None, "capabilities": {}},
        },
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
        {"jsonrpc": "2.0", "method": "exit", "params": None},
    ]
    frames = b"".join(
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body) for body in (json.dumps(m).encode() for m in messages)
    )
    environment = {**os.environ, "HOME": str(tmp_path)}
    served = subprocess.run(
        [str(venv / "bin" / "tapcheck"), "lsp"],
        input=frames,
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert served.returncode == 0, served.stderr.decode()
    assert b'"serverInfo": {"name": "tapcheck"' in served.stdout or b'"name":"tapcheck"' in served.stdout, served.stdout


@pytest.mark.parametrize(
    "origin, cwd_is_checkout, expected",
    [
        (None, False, "pip install 'tapcheck[aws]==0.1.0'"),
        ({"url": "file:///work/tapcheck", "dir_info": {"editable": True}}, True, "pip install -e '.[aws]'"),
        (
            {"url": "file:///work/tapcheck", "dir_info": {"editable": True}},
            False,
            "pip install -e '/work/tapcheck[aws]'",
        ),
        ({"url": "file:///work/tapcheck", "dir_info": {}}, False, "pip install '/work/tapcheck[aws]'"),
        (
            {
                "url": "https://git.example.com/team/tapcheck.git",
                "vcs_info": {"vcs": "git", "requested_revision": "v0.1.0", "commit_id": "a" * 40},
            },
            False,
            "pip install 'tapcheck[aws] @ git+https://git.example.com/team/tapcheck.git@v0.1.0'",
        ),
        (
            {"url": "https://git.example.com/team/tapcheck.git", "vcs_info": {"vcs": "git", "commit_id": "b" * 40}},
            False,
            "pip install 'tapcheck[aws] @ git+https://git.example.com/team/tapcheck.git@" + "b" * 40 + "'",
        ),
        (
            {"url": "https://files.example.com/tapcheck-0.1.0-py3-none-any.whl", "archive_info": {}},
            False,
            "pip install 'tapcheck[aws] @ https://files.example.com/tapcheck-0.1.0-py3-none-any.whl'",
        ),
    ],
)
def test_the_install_command_follows_how_tapcheck_was_installed(monkeypatch, origin, cwd_is_checkout, expected):
    """PEP 610's direct_url.json: absent for an index install, dir_info for a checkout, vcs_info for a git URL."""
    from tapcheck import extras

    monkeypatch.setattr(extras, "_direct_url", lambda: origin)
    monkeypatch.setattr(extras, "_pip", lambda: "pip")
    monkeypatch.setattr(extras, "_same_dir", lambda a, b: cwd_is_checkout)
    assert extras.install_command("aws") == expected


def test_this_checkouts_editable_install_is_told_to_install_from_the_checkout():
    """The real direct_url.json of the .venv's editable install (scripts/bootstrap.sh)."""
    from tapcheck import extras

    assert extras.install_command("aws").endswith(("install -e '.[aws]'", f"install -e '{ROOT}[aws]'"))


def test_a_missing_package_anywhere_under_a_command_is_exit_3_naming_the_extra(monkeypatch):
    """The net under `require`: an import of boto3 that fails deep inside a command is not an internal error."""
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` raises ModuleNotFoundError
    from tapcheck.live import commands

    monkeypatch.setattr(commands, "_installed_for", lambda args: None)  # past the check up front
    monkeypatch.setattr(commands, "_target", lambda args: __import__("boto3"))
    result = tapcheck("destroy", "--target", "aws", "--stack-name", "x", "--confirm-stack", "x")
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith(
        "tapcheck: tapcheck destroy: needs the Python package 'boto3', which is not "
        "installed (it comes with the extra [aws], for the live commands on AWS"
    )
