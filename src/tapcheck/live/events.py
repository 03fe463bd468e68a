"""A stack operation followed as it happens: its events printed as they arrive, with the time
since the operation started, until the stack settles, the deadline passes or the user presses
Ctrl-C.

On AWS a create, update or delete runs after the API call has returned, and a deploy of this
stack takes tens of minutes (an Aurora cluster and two instances); the emulator runs it inside
the API call. So the call runs in a worker thread and the main thread follows the events either
way -- and stays the one thread that receives Ctrl-C.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from tapcheck.live.target import Target

LOCAL_POLL_S = 0.2
AWS_POLL_S = 5.0
# On AWS, say that it is still running when nothing new has happened for this long.
QUIET_NOTICE_S = 60.0


class OperationTimeout(Exception):
    """The operation did not settle before the deadline; it goes on without us."""

    def __init__(self, seconds: float, status: str | None) -> None:
        super().__init__(f"not settled after {seconds:.0f} s ({status or 'unknown status'})")
        self.seconds, self.status = seconds, status


def settled(status: str | None) -> bool:
    return status is None or not status.endswith("_IN_PROGRESS")


def format_event(event: dict[str, Any], started: datetime) -> str:
    when = event.get("Timestamp")
    elapsed = max(0.0, (when - started).total_seconds()) if isinstance(when, datetime) else 0.0
    reason = event.get("ResourceStatusReason") or ""
    line = (
        f"  [{elapsed:7.1f} s] {event.get('LogicalResourceId', ''):<26} {event.get('ResourceType', ''):<44} "
        f"{event.get('ResourceStatus', '')}"
    )
    return f"{line}  {reason}" if reason and reason != "User Initiated" else line


@dataclass
class EventStream:
    """New events of one stack, oldest first. `prime()` before the operation marks what was
    there already (a stack of the same name deleted earlier, the previous operations)."""

    target: Target
    stack: str  # name before the stack exists, its id afterwards
    out: TextIO | None = None
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    seen: set[str] = field(default_factory=set)
    events: list[dict[str, Any]] = field(default_factory=list)
    last_news: float = field(default_factory=time.monotonic)

    def prime(self) -> None:
        self.seen |= {e["EventId"] for e in self._fetch()}
        self.started = datetime.now(UTC)
        self.last_news = time.monotonic()

    def _fetch(self) -> list[dict[str, Any]]:
        from botocore.exceptions import ClientError

        cfn = self.target.client("cloudformation")
        try:
            pages = cfn.get_paginator("describe_stack_events").paginate(StackName=self.stack)
            events = []
            for page in pages:
                batch = page["StackEvents"]  # newest first
                fresh = [e for e in batch if e["EventId"] not in self.seen]
                events.extend(fresh)
                if len(fresh) < len(batch):
                    break  # reached what was seen already
            return events
        except ClientError as e:
            if "does not exist" in str(e):
                return []
            raise

    def poll(self) -> list[dict[str, Any]]:
        new = list(reversed(self._fetch()))
        for event in new:
            self.seen.add(event["EventId"])
            self.events.append(event)
            if self.out is not None:
                print(format_event(event, self.started), file=self.out, flush=True)
        if new:
            self.last_news = time.monotonic()
        return new

    def quiet_for(self) -> float:
        return time.monotonic() - self.last_news

    def elapsed(self) -> float:
        return (datetime.now(UTC) - self.started).total_seconds()


def stack_status(target: Target, stack: str) -> str | None:
    """The status of the stack `stack` names (its name or stack ARN), or None when no such stack
    exists. The name is checked before the call, and only that stack's entry of the answer counts
    (stack_names.py)."""
    from botocore.exceptions import ClientError

    from tapcheck.live import stack_names

    stack_names.validated(stack)
    try:
        stacks = target.client("cloudformation").describe_stacks(StackName=stack)["Stacks"]
    except ClientError as e:
        if "does not exist" in str(e):
            return None
        raise
    found = stack_names.pick(stacks, stack)
    return None if found is None else found["StackStatus"]


class _Call(threading.Thread):
    """The API call that starts the operation (on the emulator: that runs it)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__(daemon=True, name="tapcheck-stack-call")
        self.call = call
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.call()
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            self.error = e


def follow(target: Target, stream: EventStream, call: Callable[[], Any], timeout: float) -> tuple[Any, str | None]:
    """Run `call`, print the stack's events until it settles, return (call's result, final
    status). Raises the call's own error (nothing started), OperationTimeout, or
    KeyboardInterrupt (the operation goes on: the caller says what is left)."""
    worker = _Call(call)
    worker.start()
    deadline = time.monotonic() + timeout
    delay = LOCAL_POLL_S if target.local else AWS_POLL_S
    while True:
        worker.join(timeout=0 if not worker.is_alive() else min(delay, max(0.0, deadline - time.monotonic())))
        if worker.error is not None:
            raise worker.error
        done = not worker.is_alive()  # read before the status: the call may end in between
        stream.poll()
        status = stack_status(target, stream.stack)
        if done and settled(status):
            stream.poll()
            return worker.result, status
        if time.monotonic() > deadline:
            raise OperationTimeout(timeout, status)
        if not target.local and stream.out is not None and stream.quiet_for() > QUIET_NOTICE_S:
            print(
                f"  [{stream.elapsed():7.1f} s] ... still {status} (no new event for {stream.quiet_for():.0f} s)",
                file=stream.out,
                flush=True,
            )
            stream.last_news = time.monotonic()
        if not worker.is_alive():
            time.sleep(delay)
