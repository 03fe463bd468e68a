"""A copy of the package's sources to build it from (pip wheel / pip install), so that no build/ or
egg-info directory is left in the checkout: the tests that install tapcheck as a user would share it."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def copy_sources(into: Path) -> Path:
    """src/, rules/ and pyproject.toml copied under `into`/source; that directory."""
    source = into / "source"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", source / "src", symlinks=True, ignore=skip)
    shutil.copytree(ROOT / "rules", source / "rules", ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", source / "pyproject.toml")
    return source
