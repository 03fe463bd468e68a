"""The two versions a plan compares: files on disk, or a file and its version at git HEAD.

In a pre-commit hook the working file is the staged version (pre-commit stashes unstaged
changes first), so comparing the file with HEAD checks exactly the edit being committed.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tapcheck.errors import UsageError
from tapcheck.loader import MAX_TEMPLATE_BYTES, load_template, parse_text


@dataclass
class Version:
    label: str  # what the output calls it: a path, or HEAD:<path in the repository>
    tree: dict | None  # None: there is no such version (a file not yet committed)


def from_file(path: str) -> Version:
    return Version(path, load_template(path).tree)


def from_head(path: str) -> Version:
    return from_rev(path, "HEAD")


def from_rev(path: str, rev: str = "HEAD") -> Version:
    """The version of path at git revision `rev` of its repository; tree None when the revision does
    not have the file (a new file, a base branch without the template yet, or a repository without
    commits at HEAD). A `rev` other than HEAD that names no commit is unusable input."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise UsageError(
            path,
            "is not in a git repository, so it has no committed version to compare with",
            "pass both versions: tapcheck plan OLD NEW",
        )
    root = top.stdout.decode("utf-8", "replace").strip()
    if rev != "HEAD" and _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise UsageError(
            f"--base {rev}",
            "names no commit of this repository",
            "fetch it first (actions/checkout with fetch-depth: 0 fetches every branch)",
        )
    relative = Path(os.path.relpath(os.path.realpath(path), os.path.realpath(root))).as_posix()
    label = f"{rev}:{relative}"
    shown = _git(root, "show", f"{rev}:{relative}")
    if shown.returncode != 0:
        return Version(label, None)
    raw = shown.stdout
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise UsageError(
            label,
            f"is {len(raw):,} bytes; CloudFormation accepts at most {MAX_TEMPLATE_BYTES:,}",
            "split the template into nested stacks",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(label, f"is not UTF-8 text (byte {exc.start})", "commit the template as UTF-8") from None
    return Version(label, parse_text(text, label))


def _git(directory: str, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", directory, *args], capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise UsageError(
            "git",
            "is not installed, so the version at HEAD cannot be read",
            "install git, or pass both versions: tapcheck plan OLD NEW",
        ) from None
    except subprocess.TimeoutExpired:
        raise UsageError("git", "did not answer within 60 s", "pass both versions: tapcheck plan OLD NEW") from None
