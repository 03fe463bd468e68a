"""SIGINT, SIGTERM and SIGHUP end a run the same way, and never in the middle of putting things back.

`tapcheck.cli.main` installs `handle()`: each of the three signals raises `Interrupted` (a
KeyboardInterrupt, so every `except KeyboardInterrupt` and `finally` that handles Ctrl-C handles a
cancelled CI job — SIGTERM — or a closed terminal — SIGHUP — too), and the run exits 128 + the
signal's number: 130, 143, 129 (the shell's convention for a process ended by a signal).

Code that restores or removes what a run made (the alarm's state, the probe queue, the write probe's
schema, the in-VPC runner) runs under `deferred()`: a signal arriving meanwhile is held, the cleanup
finishes, and the signal is raised when it ends. A second signal while a run is already unwinding is
held the same way: the first one decides the exit code, and nothing is left half removed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The run was ended by a signal (SIGINT, SIGTERM or SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


# what signal.getsignal returns: a function, SIG_DFL or SIG_IGN, or None (a handler not set from Python)
_Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
_previous: dict[int, _Handler] = {}  # the handlers handle() replaced, which reset() puts back
_received: list[int] = []  # the signals received, in order (the first decides the exit code)
_holding = 0  # nesting depth of deferred() in the main thread
_unwinding = False  # an Interrupted was raised: later signals are only recorded


def _handler(signum: int, frame: FrameType | None) -> None:
    global _unwinding
    _received.append(signum)
    if _holding or _unwinding:
        return
    _unwinding = True
    raise Interrupted(signum)


def handle() -> None:
    """Route SIGINT, SIGTERM and SIGHUP to Interrupted (main thread only: signal handlers are)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in SIGNALS:
        _previous.setdefault(sig, signal.getsignal(sig))
        signal.signal(sig, _handler)


def reset() -> None:
    """The handlers handle() replaced put back, nothing received (a `main()` called in a test's process)."""
    global _holding, _unwinding
    _received.clear()
    _holding, _unwinding = 0, False
    if threading.current_thread() is threading.main_thread():
        for sig, previous in _previous.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
        _previous.clear()


def received() -> int | None:
    """The first signal this run received, if any."""
    return _received[0] if _received else None


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP while the block runs (a cleanup); raise the first one held after it,
    unless the run is already unwinding from one."""
    global _holding, _unwinding
    main = threading.current_thread() is threading.main_thread()
    if not main:
        yield
        return
    before = len(_received)
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
    if not _holding and len(_received) > before and not _unwinding:
        _unwinding = True
        raise Interrupted(_received[before])
