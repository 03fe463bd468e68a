"""A batch of templates (`tapcheck check DIR`): each template checked on its own, several at once.

- What every template needs is done once, before the templates are shared out: the requirement
  folders read, cfn-lint's rules loaded, cfn-guard and the Control Tower pack located (fetched on
  a first run) and the controls' metadata read. A directory search already decoded each template
  to tell it from other files: that parse is handed on, not redone.
- One worker process per core (forked from this one, so each inherits all of the above) takes
  the templates one at a time and lints in-process: the cores are busy with templates already.
  A batch of one runs here, cfn-lint in a child beside the checks, as before.
- A template whose check fails (a bug of ours, a crash, a worker killed) is one `Unchecked` line;
  every other template keeps its report. A worker that dies is replaced.
- Waivers are judged over the batch: one is unused when no template of the batch used it.
"""

from __future__ import annotations

import gc
import os
import pickle
import selectors
import signal
import sys
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tapcheck import gate
from tapcheck.errors import ENV_DEBUG, EXIT_INTERNAL, EXIT_UNUSABLE, MissingTool, UsageError, internal_error_line
from tapcheck.gate import ALL_TOOLS, Report, Unchecked, one_per_defect, project_waiver_files, summarize
from tapcheck.loader import load_template
from tapcheck.tools.lint import Linting

if TYPE_CHECKING:
    from tapcheck.project import ProjectConfig

_HEADER = 8  # bytes of a result frame's length


@dataclass
class Batch:
    reports: list[Report] = field(default_factory=list)  # in the order the templates were given
    unchecked: list[Unchecked] = field(default_factory=list)  # likewise; each with its stderr line


@dataclass
class _Outcome:
    """What checking one template gave, as a worker sends it back (exceptions do not pickle well)."""

    report: Report | None = None
    line: str = ""
    exit_code: int = 0
    missing_tool: tuple[str, str, str] | None = None


def check_all(
    templates: list[str],
    project: ProjectConfig | None = None,
    parsed: dict[str, tuple[str, object]] | None = None,
    workers: int | None = None,
    tools: tuple[str, ...] = ALL_TOOLS,
) -> Batch:
    """Every template's report, or the line saying why it could not be checked.

    `parsed`: (text, tree) of templates already decoded (a directory search); `workers`: how many
    at once (default: the cores this process may use)."""
    parsed = parsed or {}
    count = min(workers or available_cores(), len(templates))
    if len(templates) == 1:
        outcomes = [_check_one(templates[0], parsed, project, tools, Linting.CHILD)]
    elif count <= 1 or not _may_fork():
        outcomes = [_check_one(t, parsed, project, tools, Linting.HERE) for t in templates]
    else:
        _prepare(tools)
        # Python's advice for fork without exec (gc.freeze): what the workers inherit is kept out of
        # their collections, which would otherwise walk (and copy) every page of it.
        gc.freeze()
        try:
            outcomes = _in_workers(
                templates, count, lambda i: _check_one(templates[i], parsed, project, tools, Linting.HERE)
            )
        finally:
            gc.unfreeze()
    batch = Batch()
    for template, outcome in zip(templates, outcomes):
        if outcome.missing_tool is not None:
            raise MissingTool(*outcome.missing_tool)  # every template needs the tool: one line, exit 3
        if outcome.report is not None:
            batch.reports.append(outcome.report)
        else:
            batch.unchecked.append(Unchecked(template, outcome.line, outcome.exit_code))
    _judge_waivers(batch.reports, project)
    return batch


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _may_fork() -> bool:
    """Workers are forked on Linux, from a process with one thread (a fork copies no other thread);
    with TAPCHECK_DEBUG set everything runs here, so that a traceback reaches the terminal."""
    return sys.platform.startswith("linux") and threading.active_count() == 1 and not os.environ.get(ENV_DEBUG)


def _prepare(tools: tuple[str, ...]) -> None:
    """What every template needs, done once before the workers are forked."""
    from tapcheck import model, render, suppressions, waivers  # noqa: F401 - imported once, inherited
    from tapcheck.requirements.registry import registry
    from tapcheck.tools import lint

    registry()
    if "cfn-lint" in tools:
        lint.prepare()
    if "cfn-guard" in tools or "control-tower" in tools:
        from tapcheck.tools import guard

        guard.find_binary()
        if "control-tower" in tools:
            from tapcheck.tools.guard.packs import controls

            controls(str(guard.control_tower_dir()))


def _check_one(
    template: str,
    parsed: dict[str, tuple[str, object]],
    project: ProjectConfig | None,
    tools: tuple[str, ...],
    linting: Linting,
) -> _Outcome:
    try:
        loaded = load_template(template, parsed.get(template))
        return _Outcome(
            report=gate.evaluate_loaded(loaded, tools, project=project, linting=linting, judge_unused_waivers=False)
        )
    except MissingTool as error:
        return _Outcome(missing_tool=(error.subject, error.problem, error.fix))
    except UsageError as error:
        return _Outcome(line=error.line(), exit_code=error.exit_code)
    except RecursionError:
        return _Outcome(
            line=f"tapcheck: {template}: nested too deeply to process (fix: flatten the template)",
            exit_code=EXIT_UNUSABLE,
        )
    except Exception as exc:  # a bug of ours on this template: the others still get their reports
        if os.environ.get(ENV_DEBUG):
            raise
        return _Outcome(line=internal_error_line(exc, template), exit_code=EXIT_INTERNAL)


def _judge_waivers(reports: list[Report], project: ProjectConfig | None) -> None:
    """A waiver no template of the batch used (though one could have) is a blocking finding, on
    the first template where it could have fired."""
    from tapcheck import waivers

    uses = [r.waiver_use for r in reports if r.waiver_use is not None]
    if not uses:
        return
    every_waiver = waivers.load_all(extra=project_waiver_files(project))
    for finding in waivers.unused(every_waiver, uses):
        key = next(w.key for w in every_waiver if w.file == finding.file and f"/waivers/{w.index}" == finding.path)
        report = next(r for r in reports if r.waiver_use is not None and key in r.waiver_use.in_scope)
        report.findings = one_per_defect(report.findings + [finding])
        report.results = summarize(report.findings)


# --- the workers -------------------------------------------------------------------------------


@dataclass
class _Worker:
    pid: int
    tasks: int  # write end: one template index per line; closed when there is no more
    results: int  # read end: length-prefixed pickled outcomes
    busy: int | None = None


def _in_workers(templates: list[str], count: int, check: Any) -> list[_Outcome]:
    """`check(index)` for every template, in `count` forked workers; an outcome per template, in order."""
    pending = deque(range(len(templates)))
    outcomes: dict[int, _Outcome] = {}
    workers: list[_Worker] = []
    selector = selectors.DefaultSelector()

    def start() -> None:
        worker = _fork(check, [fd for w in workers for fd in (w.tasks, w.results)])
        workers.append(worker)
        selector.register(worker.results, selectors.EVENT_READ, worker)
        hand_out(worker)

    def hand_out(worker: _Worker) -> None:
        if not pending:
            _close(worker.tasks)
            worker.tasks = -1
            return
        worker.busy = pending.popleft()
        try:
            os.write(worker.tasks, b"%d\n" % worker.busy)
        except OSError:
            pass  # it died: its results pipe says so next

    try:
        for _ in range(count):
            start()
        while any(w.busy is not None for w in workers):
            for key, _ in selector.select():
                worker = key.data
                frame = _read_frame(worker.results)
                if frame is not None:
                    outcomes[worker.busy] = pickle.loads(frame)
                    worker.busy = None
                    hand_out(worker)
                    continue
                selector.unregister(worker.results)  # the worker died: its template alone is lost
                status = _reap(worker)
                if worker.busy is not None:
                    outcomes[worker.busy] = _Outcome(
                        line=_died_line(templates[worker.busy], status), exit_code=EXIT_INTERNAL
                    )
                    worker.busy = None
                workers.remove(worker)
                if pending:
                    start()
    finally:
        for worker in workers:
            if worker.busy is not None:  # interrupted: stop what is still running
                try:
                    os.kill(worker.pid, signal.SIGTERM)
                except OSError:
                    pass
            _reap(worker)
        selector.close()
    return [outcomes[i] for i in range(len(templates))]


def _fork(check: Any, inherited: list[int]) -> _Worker:
    task_read, task_write = os.pipe()
    result_read, result_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: one template per line read, until there is none
        code = 0
        try:
            gc.enable()  # a worker lives for many templates: it collects (the console script does not)
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
            for fd in (task_write, result_read, *inherited):  # the other workers' pipes: theirs to close
                _close(fd)
            with os.fdopen(task_read, "rb") as tasks, os.fdopen(result_write, "wb") as results:
                for line in tasks:
                    data = pickle.dumps(check(int(line)))
                    results.write(len(data).to_bytes(_HEADER, "big") + data)
                    results.flush()
        except BaseException:  # noqa: BLE001 - the parent reports the template this worker held
            code = 1
        os._exit(code)
    os.close(task_read)
    os.close(result_write)
    return _Worker(pid, task_write, result_read)


def _read_frame(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER)
    if header is None:
        return None
    return _read_exactly(fd, int.from_bytes(header, "big"))


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _reap(worker: _Worker) -> int:
    for fd in (worker.tasks, worker.results):
        _close(fd)
    worker.tasks = worker.results = -1
    try:
        _, status = os.waitpid(worker.pid, 0)
    except ChildProcessError:
        return 0
    return status


def _close(fd: int) -> None:
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass


def _died_line(template: str, status: int) -> str:
    code = os.waitstatus_to_exitcode(status) if status else 0
    how = f"signal {-code}" if code < 0 else f"exit {code}"
    return (
        f"tapcheck: {template}: internal error: the process checking it died ({how}) "
        f"(fix: rerun with {ENV_DEBUG}=1 and report the traceback)"
    )
