"""What the emulator remembers about each stack beside moto's Stack (never on it), keyed by stack id:

- the properties each resource was created or last updated with, before and after dynamic
  references were resolved (an update compares against the former and hands the latter to the
  resource's update_in_place);
- a CancelUpdateStack request, honoured between two resources of the running update;
- one lock per stack: the server is threaded and a create, update or delete runs inside its API
  call, so another call arriving meanwhile (a user's Ctrl-C then destroy) waits for it to settle;
  AWS accepts DeleteStack on a stack still being created and removes it too.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

# (declared, applied) resolved properties of one resource
ResourceState = tuple[dict[str, Any], dict[str, Any]]

STACK_LOCKS: defaultdict[str, threading.RLock] = defaultdict(threading.RLock)
_lock = threading.Lock()
_RESOURCES: dict[str, dict[str, ResourceState]] = {}
_CANCELS: set[str] = set()


def resource_states(stack_id: str) -> dict[str, ResourceState]:
    """logical id -> (declared, applied) of the stack's resources (the live dict, to read and write)."""
    with _lock:
        return _RESOURCES.setdefault(stack_id, {})


def request_cancel(stack_id: str) -> None:
    with _lock:
        _CANCELS.add(stack_id)


def cancel_requested(stack_id: str) -> bool:
    with _lock:
        return stack_id in _CANCELS


def clear_cancel(stack_id: str) -> None:
    with _lock:
        _CANCELS.discard(stack_id)


def forget(stack_id: str) -> None:
    """The stack is deleted: nothing of it is kept."""
    with _lock:
        _RESOURCES.pop(stack_id, None)
        _CANCELS.discard(stack_id)
