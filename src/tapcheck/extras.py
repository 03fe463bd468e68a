"""Which install carries which use, and the pip command that adds a missing one.

The base install is the gate alone (`check`, `plan`, `requirements`, `init`, the pre-commit hooks).
Each other use has an extra in pyproject.toml, named for it:

| extra      | for                                                         | brings                     |
|------------|-------------------------------------------------------------|----------------------------|
| `aws`      | smoke / deploy / destroy / drill / runner with --target aws | boto3, botocore, psycopg   |
| `emulator` | `emulator start` and every live command on --target local   | moto[server], boto3, psycopg |
| `lsp`      | `tapcheck lsp`                                              | pygls, lsprotocol          |
| `test`     | the test suite (all of the above and the test tools)        |                            |

A command that needs an extra checks for it before it starts anything (`require`) and ends with one
line naming the extra and the command that installs it, exit 3 (a missing tool); any other import of
a package an extra carries that still fails is turned into the same line by `cli.main`
(`missing_package`), so no command exits 4 ("internal error") for a package that is not installed.

The command fits how tapcheck was installed, read from the installed distribution's
`direct_url.json` (PEP 610, written by pip for an install from a URL or a directory):
a checkout (`pip install -e '.[aws]'`), a git URL (`pip install 'tapcheck[aws] @ git+URL@REV'`),
an archive URL, or an index (no direct_url.json: `pip install 'tapcheck[aws]==VERSION'`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from urllib.parse import unquote, urlparse

from tapcheck.errors import MissingTool

DISTRIBUTION = "tapcheck"

# extra -> (what it is for, the modules it must make importable)
EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "aws": ("the live commands on AWS (--target aws)", ("boto3", "botocore", "psycopg")),
    "emulator": (
        "the local emulator and the live commands on --target local",
        ("moto", "flask", "flask_cors", "boto3", "botocore", "psycopg"),
    ),
    "lsp": ("tapcheck lsp", ("pygls", "lsprotocol")),
    "test": ("the test suite and tapcheck score", ("pytest", "hypothesis")),
}
# a top-level module that failed to import -> the extra that carries it (most specific first)
_MODULE_EXTRA = {
    "boto3": "aws",
    "botocore": "aws",
    "psycopg": "aws",
    "psycopg_binary": "aws",
    "moto": "emulator",
    "flask": "emulator",
    "flask_cors": "emulator",
    "werkzeug": "emulator",
    "pygls": "lsp",
    "lsprotocol": "lsp",
    "hypothesis": "test",
    "pytest": "test",
}


def missing_modules(extra: str) -> list[str]:
    """The modules `extra` should bring that cannot be found (not imported: cheap)."""
    return [name for name in EXTRAS[extra][1] if importlib.util.find_spec(name) is None]


def require(extra: str, command: str) -> None:
    """Raise MissingTool (exit 3, one line) when a module the extra brings is missing."""
    missing = missing_modules(extra)
    if missing:
        raise _missing(command, missing[0], extra)


def missing_package(exc: BaseException, command: str = "") -> MissingTool | None:
    """The line for an ImportError of a module an extra carries; None for anything else (a bug)."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    extra = _MODULE_EXTRA.get(top)
    if extra is None:
        return None
    return _missing(command, top, extra)


def _missing(command: str, module: str, extra: str) -> MissingTool:
    purpose = EXTRAS[extra][0]
    return MissingTool(
        command or "tapcheck",
        f"needs the Python package {module!r}, which is not installed "
        f"(it comes with the extra [{extra}], for {purpose})",
        install_command(extra),
    )


def install_command(extra: str) -> str:
    """The pip command that adds `extra` to this installation of tapcheck."""
    pip = _pip()
    origin = _direct_url()
    if origin is None:
        return f"{pip} install '{DISTRIBUTION}[{extra}]=={_version()}'"
    url = origin.get("url", "")
    if "vcs_info" in origin:
        vcs = origin["vcs_info"]
        revision = vcs.get("requested_revision") or vcs.get("commit_id")
        at = f"@{revision}" if revision else ""
        return f"{pip} install '{DISTRIBUTION}[{extra}] @ {vcs.get('vcs', 'git')}+{url}{at}'"
    if "dir_info" in origin and url.startswith("file:"):
        path = unquote(urlparse(url).path)
        shown = "." if _same_dir(path, os.getcwd()) else path
        editable = "-e " if origin["dir_info"].get("editable") else ""
        return f"{pip} install {editable}'{shown}[{extra}]'"
    return f"{pip} install '{DISTRIBUTION}[{extra}] @ {url}'"


def _direct_url() -> dict | None:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        text = distribution(DISTRIBUTION).read_text("direct_url.json")
    except PackageNotFoundError:
        return None
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _version() -> str:
    from tapcheck import __version__

    return __version__


def _pip() -> str:
    """`pip` when the pip on PATH installs into this interpreter's environment, else `PYTHON -m pip`."""
    found = shutil.which("pip")
    if found and os.path.realpath(os.path.dirname(found)) == os.path.realpath(os.path.join(sys.prefix, "bin")):
        return "pip"
    return f"{sys.executable} -m pip"


def _same_dir(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
