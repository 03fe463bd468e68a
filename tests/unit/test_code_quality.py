"""Code quality as part of the suite: ruff (lint and format) passes over src/, rules/ and tests/, and
mypy over src/ and rules/, with the settings in pyproject.toml; each of them does fail on a broken
input, so a pass means something. The tools are the [test] extra's pinned versions, run from this
interpreter's bin/.

mypy keeps its cache in .tools/mypy-cache (pyproject.toml): about 11 s on a fresh checkout, under
a second once the cache is warm."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CONFIG = ROOT / "pyproject.toml"
LINTED = ("src", "rules", "tests")  # src/tapcheck/rules is a symlink to rules/: ruff does not follow it
FORMATTED = ("src", "rules", "tests")
IGNORE = re.compile(r"#\s*type:\s*ignore\b(?P<rest>.*)$")


def run(tool: str, *args: str, cwd: Path = ROOT, timeout: float = 300) -> subprocess.CompletedProcess:
    binary = BIN / tool
    if not binary.exists():
        pytest.fail(f"{tool} is missing from {BIN}: run scripts/bootstrap.sh (the [test] extra pins it)")
    return subprocess.run([str(binary), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def python_files_mypy_should_see() -> int:
    """The .py files of the package, the requirement folders included through the symlink."""
    count = 0
    for _, dirs, files in os.walk(ROOT / "src" / "tapcheck", followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        count += sum(name.endswith(".py") for name in files)
    return count


def test_ruff_lint_finds_nothing_in_src_rules_and_tests():
    done = run("ruff", "check", "--output-format", "concise", *LINTED)
    assert done.returncode == 0, f"ruff check {' '.join(LINTED)}:\n{done.stdout}{done.stderr}"


def test_ruff_format_would_change_nothing():
    done = run("ruff", "format", "--check", *FORMATTED)
    assert done.returncode == 0, (
        f"{done.stdout}{done.stderr}fix: .venv/bin/ruff format {' '.join(FORMATTED)} (a commit of its own)"
    )


def test_mypy_finds_nothing_in_src_and_rules():
    done = run("mypy")  # files, cache and strictness: [tool.mypy] in pyproject.toml
    assert done.returncode == 0, f"mypy:\n{done.stdout}{done.stderr}"
    checked = re.search(r"Success: no issues found in (\d+) source files", done.stdout)
    assert checked, done.stdout
    # every module of the package and every requirement folder's module was read, none skipped
    assert int(checked.group(1)) == python_files_mypy_should_see(), done.stdout


def test_every_type_ignore_names_its_error_and_says_why():
    bare = []
    for top in LINTED:
        for path in sorted((ROOT / top).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                found = IGNORE.search(line)
                if found and not re.match(r"\[[\w,-]+\]\s+#\s*\S", found.group("rest")):
                    bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == [], "write `# type: ignore[code]  # why`:\n" + "\n".join(bare)


def test_the_checks_fail_on_a_broken_file(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text(
        "from __future__ import annotations\n\n\n"
        "def name_of(count: int) -> str:\n"
        "    return count\n\n\n"
        f'LONG = "{"x" * 120}"\n'
        "spaced = [1,2 ,3]\n"
    )
    lint = run("ruff", "check", "--no-cache", "--config", str(CONFIG), "--output-format", "concise", str(broken))
    assert lint.returncode == 1 and "E501" in lint.stdout, lint.stdout + lint.stderr
    form = run("ruff", "format", "--check", "--no-cache", "--config", str(CONFIG), str(broken))
    assert form.returncode == 1 and "would be reformatted" in form.stdout, form.stdout + form.stderr
    types = run("mypy", "--config-file", str(CONFIG), "--cache-dir", str(tmp_path / "cache"), str(broken))
    assert types.returncode == 1 and "[return-value]" in types.stdout, types.stdout + types.stderr
