"""Where a command's report goes: standard output, or the file --output names.

One function for every command (the gate's `check`, `plan`, `smoke`, `drill`), so a report that
cannot be written is the same one line everywhere.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tapcheck.errors import UsageError


def write(text: str, path: str | None) -> None:
    """`text` to standard output, or to `path` (UsageError, exit 2, when it cannot be written)."""
    if not path:
        sys.stdout.write(text)
        return
    try:
        Path(path).write_text(text)
    except OSError as exc:
        raise UsageError(
            path, f"cannot write the report: {exc.strerror or exc}", "choose a writable --output path"
        ) from None
