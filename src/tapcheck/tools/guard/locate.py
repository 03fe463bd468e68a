"""Where cfn-guard and its rule packs are: the pinned binary, the Control Tower rules, the
project's own rules. Never the current directory: an installed tapcheck uses its own rules."""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from tapcheck.errors import MissingTool

NPM_PACKAGE = "@cdklabs/cdk-validator-cfnguard"
NPM_VERSION = "0.0.62"                 # ships cfn-guard 3.1.1 and the Control Tower rules
PACKAGE_DIR = Path(".tools") / f"cdk-validator-cfnguard-{NPM_VERSION}" / "package"
ENV_BINARY = "TAPCHECK_CFN_GUARD"
_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


def checkout_root() -> Path | None:
    """The source checkout this module runs from (a development install), if any."""
    here = Path(__file__).resolve()
    for directory in here.parents:
        if (directory / "pyproject.toml").is_file() and (directory / "rules").is_dir() \
                and (directory / "src" / "tapcheck").is_dir():
            return directory
    return None


def rules_dir() -> Path:
    """The project's requirement folders (rules/): the package's own copy, never the current directory."""
    from tapcheck.requirements.registry import rules_root

    return rules_root()


def tools_cache() -> Path:
    """Where tapcheck provisions cfn-guard when there is no checkout (pip install, pre-commit)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tapcheck"


def install_fix() -> str:
    return (f"run scripts/bootstrap.sh in the checkout, or tapcheck install-tools "
            f"(it fetches {NPM_PACKAGE}@{NPM_VERSION})")


def package_dir() -> Path | None:
    """The unpacked npm package: the checkout's .tools/, else the user cache."""
    root = checkout_root()
    if root is not None and (root / PACKAGE_DIR).is_dir():
        return root / PACKAGE_DIR
    cached = tools_cache() / PACKAGE_DIR.relative_to(".tools")
    return cached if cached.is_dir() else None


def find_binary() -> str:
    """TAPCHECK_CFN_GUARD, else the pinned package's binary for this CPU, else PATH."""
    configured = os.environ.get(ENV_BINARY)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise MissingTool("cfn-guard", f"not installed at {configured} ({ENV_BINARY})",
                          f"unset {ENV_BINARY} or point it at a cfn-guard 3.x binary; {install_fix()}")
    package = package_dir()
    arch = _ARCHITECTURES.get(platform.machine().lower())
    if package is not None and arch is not None:
        candidate = package / "bin" / "ubuntu" / arch / "cfn-guard"
        if candidate.is_file():
            if not os.access(candidate, os.X_OK):
                raise MissingTool(str(candidate), "is not executable", f"chmod +x {candidate}")
            return str(candidate)
    on_path = shutil.which("cfn-guard")
    if on_path:
        return on_path
    raise MissingTool("cfn-guard", "not installed", install_fix())


cfn_guard_binary = find_binary


def control_tower_dir() -> Path:
    package = package_dir()
    rules = package / "rules" / "control-tower" if package else None
    if rules is None or not (rules / "cfn-guard").is_dir():
        raise MissingTool("cfn-guard", "the Control Tower guard rules are not installed", install_fix())
    return rules
