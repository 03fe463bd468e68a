"""The pinned cfn-guard package: what it is, its digest, and where its parts are once unpacked.

The package (cfn-guard 3.1.1 and the AWS Control Tower proactive-control rules) is the npm
tarball of @cdklabs/cdk-validator-cfnguard 0.0.62, which the PyPI wheel
cdklabs-cdk-validator-cfnguard 0.0.62 carries byte for byte. Finding it is locate.py's job,
fetching it provision.py's: both read these pins.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

NPM_PACKAGE = "@cdklabs/cdk-validator-cfnguard"
PYPI_PACKAGE = "cdklabs-cdk-validator-cfnguard"
PACKAGE_VERSION = "0.0.62"  # ships cfn-guard 3.1.1 and the Control Tower rules
NPM_VERSION = PACKAGE_VERSION
CFN_GUARD_VERSION = "3.1.1"
# The npm tarball inside the wheel, and its SHA-256 (the same bytes `npm pack` fetches): what
# tapcheck unpacks is checked against it, whichever registry it came from.
WHEEL_MEMBER = f"cdklabs/cdk_validator_cfnguard/_jsii/cdk-validator-cfnguard@{PACKAGE_VERSION}.jsii.tgz"
TARBALL_SHA256 = "660c14562d4c79d524d0623d80d494e41797acae9da23ecb10915d7f66ada80c"
INSTALL_NAME = f"cdk-validator-cfnguard-{PACKAGE_VERSION}"
PACKAGE_DIR = Path(".tools") / INSTALL_NAME / "package"
COMPLETE_MARKER = ".tapcheck-complete"  # written last, before the directory is renamed into place
_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
_SYSTEMS = {"linux": "ubuntu", "darwin": "macos"}


def tools_cache() -> Path:
    """Where tapcheck provisions cfn-guard when there is no checkout (pip install, pre-commit)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tapcheck"


def is_complete(install: Path) -> bool:
    """An unpacked package that provisioning finished (a half-written one is never used)."""
    return (install / COMPLETE_MARKER).is_file() and (install / "package" / "bin").is_dir()


def binary_in(package: Path) -> Path | None:
    """The package's cfn-guard for this system and CPU, if it ships one."""
    system = _SYSTEMS.get(platform.system().lower())
    arch = _ARCHITECTURES.get(platform.machine().lower())
    if system is None or arch is None:
        return None
    return package / "bin" / system / arch / "cfn-guard"
