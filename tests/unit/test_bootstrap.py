"""scripts/install-postgres15.sh: the distribution's postgresql-15 where apt has one (Debian 12), else
PGDG's apt repository first (Debian 13 ships 17, Ubuntu 24.04 ships 16). apt-get, apt-cache and PGDG's
set-up script are stand-ins here that record their calls: these machines reach Debian's mirrors only,
and the test must not install anything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-postgres15.sh"

APT_CACHE = """#!/bin/sh
# apt-cache policy postgresql-15, as apt prints it: a candidate once the repository that has it is known
echo "calls: apt-cache $*" >> "$CALLS"
[ "$2" = "postgresql-15" ] || exit 0
if [ -f "$STATE/has-15" ]; then
  printf 'postgresql-15:\\n  Installed: (none)\\n  Candidate: 15.10-1.pgdg120+1\\n'
elif [ "$DISTRIBUTION_KNOWS_15" = "none" ]; then
  printf 'postgresql-15:\\n  Installed: (none)\\n  Candidate: (none)\\n'
fi
"""
APT_GET = """#!/bin/sh
echo "calls: apt-get $*" >> "$CALLS"
"""
PGDG = """#!/bin/sh
echo "calls: pgdg $*" >> "$CALLS"
[ "$PGDG_HAS_15" = "yes" ] && touch "$STATE/has-15"
exit 0
"""


def run(tmp_path: Path, distribution_has_15: bool, pgdg_has_15: bool = True, apt_cache_lists_it: bool = True):
    stubs, state = tmp_path / "bin", tmp_path / "state"
    stubs.mkdir()
    state.mkdir()
    for name, body in (("apt-cache", APT_CACHE), ("apt-get", APT_GET), ("pgdg.sh", PGDG)):
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    if distribution_has_15:
        (state / "has-15").touch()
    calls = tmp_path / "calls"
    env = {
        **os.environ,
        "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(calls),
        "STATE": str(state),
        "PGDG_SCRIPT": str(stubs / "pgdg.sh"),
        "PGDG_HAS_15": "yes" if pgdg_has_15 else "no",
        "DISTRIBUTION_KNOWS_15": "none" if apt_cache_lists_it else "unknown",
    }
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False)
    said = [line.removeprefix("calls: ") for line in calls.read_text().splitlines()] if calls.exists() else []
    return result, [c for c in said if not c.startswith("apt-cache")]


def test_where_the_distribution_ships_postgresql_15_it_is_installed_from_there(tmp_path):
    result, calls = run(tmp_path, distribution_has_15=True)
    assert result.returncode == 0, result.stderr
    assert calls == ["apt-get update -qq", "apt-get install -y -qq postgresql-15"]


@pytest.mark.parametrize("apt_cache_lists_it", [True, False], ids=["candidate-none", "unknown-package"])
def test_where_it_does_not_pgdg_is_added_first(tmp_path, apt_cache_lists_it):
    result, calls = run(tmp_path, distribution_has_15=False, apt_cache_lists_it=apt_cache_lists_it)
    assert result.returncode == 0, result.stderr
    assert calls == [
        "apt-get update -qq",
        "apt-get install -y -qq postgresql-common",
        "pgdg -y",
        "apt-get update -qq",
        "apt-get install -y -qq postgresql-15",
    ]
    assert "adding PGDG's apt repository" in result.stderr


def test_when_pgdg_cannot_provide_it_either_the_script_says_so_and_installs_nothing(tmp_path):
    result, calls = run(tmp_path, distribution_has_15=False, pgdg_has_15=False)
    assert result.returncode == 3
    assert "postgresql-15 is still not available after adding PGDG's repository" in result.stderr
    assert "apt-get install -y -qq postgresql-15" not in calls


@pytest.mark.skipif(os.geteuid() != 0, reason="bootstrap installs PostgreSQL only as root")
def test_bootstrap_installs_postgresql_only_when_tapcheck_pg_bin_lacks_it(tmp_path):
    """scripts/bootstrap.sh itself (its other steps find everything in place): binaries in TAPCHECK_PG_BIN
    mean no apt call; a TAPCHECK_PG_BIN without them means the installer runs (apt stand-ins again)."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for name, body in (("apt-cache", APT_CACHE), ("apt-get", APT_GET)):
        (stubs / name).write_text(body)
        (stubs / name).chmod(0o755)
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "has-15").touch()
    found = tmp_path / "pg" / "bin"
    found.mkdir(parents=True)
    (found / "initdb").write_text("#!/bin/sh\n")
    (found / "initdb").chmod(0o755)
    calls = tmp_path / "calls"
    env = {
        **os.environ,
        "PATH": f"{stubs}{os.pathsep}{os.environ['PATH']}",
        "CALLS": str(calls),
        "STATE": str(tmp_path / "state"),
    }
    present = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bootstrap.sh")],
        env={**env, "TAPCHECK_PG_BIN": str(found)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert present.returncode == 0, present.stderr
    assert not calls.exists()
    missing = subprocess.run(
        ["bash", str(ROOT / "scripts" / "bootstrap.sh")],
        env={**env, "TAPCHECK_PG_BIN": str(tmp_path / "nowhere")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert missing.returncode == 0, missing.stderr
    assert "apt-get install -y -qq postgresql-15" in calls.read_text()
