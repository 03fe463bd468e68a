"""One recorder for every change the emulator makes to moto (and the libraries moto reads).

Each change is declared once, as one row: a target (a class or a module), a name on it, and a
kind: `replace` (moto's value is set aside), `wrap` (ours calls moto's) or `add` (a name moto
lacks). `install()` checks every row before it changes anything -- a `replace` or `wrap` of a name
the target lacks, or an `add` of a name it already has, is refused by name, so a moto upgrade that
renames or adds something fails here and not deep inside a stack operation -- then applies the
rows in order, keeping what each name held. `undo()` puts everything back, last row first. One
row per (target, name): a method is wrapped once, never twice by two modules in turn.

The idea is pytest's MonkeyPatch (src/_pytest/monkeypatch.py: refuse to set a name the target
lacks, remember the old value, undo in reverse order), applied to one declared list that a test
can print.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

REPLACE, WRAP, ADD = "replace", "wrap", "add"


class _Absent:
    def __repr__(self) -> str:
        return "<absent>"


ABSENT: Any = _Absent()


class PatchError(RuntimeError):
    """A change that cannot be made as declared; the message names it."""


def _where(target: Any) -> str:
    if inspect.ismodule(target):
        return str(target.__name__)
    return f"{target.__module__}.{target.__qualname__}"


@dataclass(frozen=True)
class Patch:
    target: Any
    name: str
    kind: str
    # moto's current value (ABSENT for an add) -> the value set in its place
    make: Callable[[Any], Any]
    why: str = ""

    @property
    def where(self) -> str:
        return _where(self.target)

    def row(self) -> tuple[str, str, str]:
        """(name, target, kind), as the listing shows it."""
        return self.name, self.where, self.kind

    def problem(self) -> str | None:
        """Why this row cannot be applied to the target as it is now, or None."""
        present = hasattr(self.target, self.name)
        if self.kind in (REPLACE, WRAP) and not present:
            return f"{self.where} has no {self.name} to {self.kind} (did moto rename or remove it?)"
        if self.kind == ADD and present:
            return f"{self.where} already has {self.name}: adding ours would hide moto's (did moto implement it?)"
        return None


class Recorder:
    """The declared list of changes, and what install() replaced, to undo it."""

    def __init__(self) -> None:
        self._rows: list[Patch] = []
        self._saved: list[tuple[Any, str, Any]] = []  # (target, name, its own value or ABSENT)
        self._installed = False

    # --- declaring ------------------------------------------------------------------------
    def replace(self, target: Any, name: str, value: Any, why: str = "") -> None:
        """Set `value` in place of the target's `name`, which must exist."""
        self._declare(Patch(target, name, REPLACE, lambda _old: value, why))

    def wrap(self, target: Any, name: str, wrapper: Callable[[Any], Any], why: str = "") -> None:
        """Set `wrapper(moto's value)` in place of the target's `name`, which must exist."""
        self._declare(Patch(target, name, WRAP, wrapper, why))

    def add(self, target: Any, name: str, value: Any, why: str = "") -> None:
        """Give the target a `name` it must not have yet."""
        self._declare(Patch(target, name, ADD, lambda _old: value, why))

    def _declare(self, patch: Patch) -> None:
        if self._installed:
            raise PatchError(f"{patch.where}.{patch.name}: declared after install()")
        for row in self._rows:
            if row.target is patch.target and row.name == patch.name:
                raise PatchError(
                    f"{patch.where}.{patch.name} is declared twice ({row.kind}, then {patch.kind}): one change per name"
                )
        self._rows.append(patch)

    # --- reading --------------------------------------------------------------------------
    @property
    def rows(self) -> list[Patch]:
        return list(self._rows)

    def listing(self) -> list[tuple[str, str, str]]:
        """(name, target, kind) of every change, in install order."""
        return [row.row() for row in self._rows]

    @property
    def installed(self) -> bool:
        return self._installed

    # --- applying -------------------------------------------------------------------------
    def install(self) -> None:
        """Apply every change, or none. A second install() is refused: the first one's saved
        values would be overwritten by ours, and undo() could never give moto back."""
        if self._installed:
            raise PatchError("the emulator's changes to moto are installed already (undo() first)")
        problems = [p for p in (row.problem() for row in self._rows) if p]
        if problems:
            raise PatchError("cannot change moto as declared:\n  " + "\n  ".join(problems))
        try:
            for row in self._rows:
                own = vars(row.target).get(row.name, ABSENT)
                current = getattr(row.target, row.name, ABSENT)
                value = row.make(current)
                setattr(row.target, row.name, value)
                self._saved.append((row.target, row.name, own))
        except BaseException:
            self._restore()
            raise
        self._installed = True

    def undo(self) -> None:
        """Give every name back what it held before install(), last change first."""
        self._restore()
        self._installed = False

    def _restore(self) -> None:
        while self._saved:
            target, name, own = self._saved.pop()
            if own is ABSENT:
                # the name was inherited (or not there at all): remove ours, the base's shows again
                delattr(target, name)
            else:
                setattr(target, name, own)
