"""tapcheck command line. Exit codes (every subcommand): 0 compliant / all passed, 1 findings /
a probe failed, 2 unusable input, 3 a missing tool, 4 internal error, 130 interrupted (Ctrl-C),
143 terminated (SIGTERM), 129 hung up (SIGHUP); one line on stderr for each problem, never a
traceback (TAPCHECK_DEBUG=1 shows it for internal errors)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tapcheck import DEFAULT_TEMPLATE
from tapcheck.errors import (
    ENV_DEBUG,
    EXIT_CODES_HELP,
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_UNUSABLE,
    UsageError,
    internal_error_line,
    worst,
)


class _VersionAction(argparse.Action):
    """--version, computed only when asked (it reads installed package metadata)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(version_text() + "\n")
        parser.exit(EXIT_OK)


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from tapcheck import __version__
    from tapcheck.tools.guard.pinned import CFN_GUARD_VERSION, PACKAGE_VERSION, PYPI_PACKAGE

    try:
        lint = version("cfn-lint")
    except PackageNotFoundError:
        lint = "missing"
    return (
        f"tapcheck {__version__} (cfn-lint {lint}; cfn-guard {CFN_GUARD_VERSION} and the Control Tower "
        f"rules from {PYPI_PACKAGE} {PACKAGE_VERSION})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tapcheck",
        description="Compliance gate and live probes for the TapStack Aurora template.",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action=_VersionAction, help="print the versions of tapcheck and its tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser(
        "check",
        help="run the compliance gate on templates",
        epilog=EXIT_CODES_HELP,
        description="Check templates. A directory is searched for *.json, *.yaml, *.yml and *.template files "
        "that are CloudFormation templates governed by the requirements (others are skipped, and named "
        "on stderr); a quoted glob pattern (`'stacks/**/*.yaml'`) likewise. Governed: the templates "
        "the project configuration lists (`templates`, README: Project configuration), else those "
        "that declare an AWS::RDS::DBCluster. A file named one by one is checked.",
    )
    check.add_argument(
        "templates",
        nargs="*",
        metavar="TEMPLATE",
        help="template files, directories or glob patterns (default: the templates the project "
        f"configuration lists, else {DEFAULT_TEMPLATE})",
    )
    check.add_argument("--format", choices=("text", "json", "sarif", "junit"), default="text")
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    check.add_argument(
        "-q", "--quiet", action="store_true", help="text: the blocking findings alone; no notes on stderr but errors"
    )
    check.add_argument(
        "--skip-non-templates", action="store_true", help="skip named files that are not CloudFormation templates"
    )
    check.add_argument(
        "--only-governed",
        action="store_true",
        help="the paths are candidates (the pre-commit hooks' mode): check those the requirements "
        "govern (the project configuration's templates; without one, templates that declare an "
        "AWS::RDS::DBCluster), skip and name every other file",
    )
    project = check.add_argument_group("project additions (see README: Project configuration)")
    project.add_argument("--config", metavar="FILE", help="a .tapcheck.yaml or a pyproject.toml with [tool.tapcheck]")
    project.add_argument("--no-config", action="store_true", help="do not look for a config file")
    project.add_argument("--rules", action="append", metavar="PATH", help="extra cfn-guard rules (repeatable)")
    project.add_argument("--waivers", metavar="FILE", help="extra waivers (replaces the config file's)")
    check.set_defaults(func=cmd_check)

    score = sub.add_parser("score", help="mutation score of the gate: mutants killed per requirement")
    score.add_argument("template", nargs="?", default=DEFAULT_TEMPLATE)
    score.add_argument("--examples", type=int, default=None, help="mutants generated per requirement")
    score.add_argument("--seed", type=int, default=None)
    score.set_defaults(func=cmd_score)

    tools = sub.add_parser(
        "install-tools",
        help="fetch the pinned cfn-guard and Control Tower rules (PyPI)",
        description="Fetch cfn-guard and the Control Tower rules (PyPI wheel "
        "cdklabs-cdk-validator-cfnguard, checked against a pinned hash) into the "
        "user cache. `tapcheck check` does this by itself on first use.",
    )
    tools.add_argument("--into", metavar="DIR", help="install into DIR instead of the user cache")
    tools.add_argument("--keep-wheel", action="store_true", help="keep the downloaded wheel in DIR/wheels/")
    tools.set_defaults(func=cmd_install_tools)

    listing = sub.add_parser("requirements", help="list every requirement: its checks, guard rules, probes, operators")
    listing.add_argument("--format", choices=("markdown", "json"), default="markdown")
    listing.set_defaults(func=cmd_requirements)

    lsp = sub.add_parser(
        "lsp", help="a Language Server over stdio: the gate's findings as diagnostics in your editor (docs/editor.md)"
    )
    lsp.set_defaults(func=cmd_lsp)

    from tapcheck import adopt
    from tapcheck.live import commands as live_commands
    from tapcheck.plan import command as plan_command

    live_commands.register(sub)
    plan_command.register(sub)
    adopt.register(sub)
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    from tapcheck.governed import select
    from tapcheck.output import write
    from tapcheck.project import resolve
    from tapcheck.report import renderer

    project = resolve(args.config, args.no_config, args.rules, args.waivers)
    inputs = select(args.templates, project, args.only_governed, args.skip_non_templates or args.only_governed)
    if not args.quiet or args.only_governed:  # a hook names what it skipped (pre-commit shows it on failure)
        for path, why in inputs.skipped:
            print(f"tapcheck: skipped {path}: {why}", file=sys.stderr)
        for note in inputs.notes:
            print(note, file=sys.stderr)
    if args.only_governed and not inputs.templates and not inputs.problems:
        return EXIT_OK  # a hook given no governed template: done, without loading the gate
    codes = []
    for problem in inputs.problems:
        print(problem.line(), file=sys.stderr)
        codes.append(problem.exit_code)
    reports, unchecked, more = _check_each(inputs.templates, project, inputs.parsed)
    codes += more
    if reports or (unchecked and args.format != "text"):
        text = renderer(args.format)(reports, quiet=args.quiet, unchecked=unchecked)
        write(text, args.output)
        if args.output and not args.quiet:
            print(output_summary(reports, unchecked, args.format, args.output), file=sys.stderr)
    codes += [EXIT_OK if r.compliant else EXIT_FINDINGS for r in reports]
    return worst(*codes)


def output_summary(reports: list, unchecked: list, fmt: str, output: str) -> str:
    """The one line `--output` leaves on stderr, so a run that writes its report to a file still
    says what it found: `tapcheck: wrote the sarif report to out.sarif: 1 of 2 templates compliant, ...`."""
    compliant = sum(1 for r in reports if r.compliant)
    blocking = sum(1 for r in reports for f in r.findings if f.blocking)
    failed = sorted(
        {req for r in reports for f in r.findings if f.blocking for req in f.requirements}, key=_requirement_order
    )
    total = len(reports) + len(unchecked)
    line = (
        f"tapcheck: wrote the {fmt} report to {output}: {compliant} of {total} template{'s' if total != 1 else ''} "
        f"compliant, {blocking} blocking finding{'s' if blocking != 1 else ''}"
    )
    if failed:
        line += f" (failed: {', '.join(failed)})"
    if unchecked:
        line += f", {len(unchecked)} not checked"
    return line


def _requirement_order(requirement_id: str):
    from tapcheck.requirements.registry import requirement_order

    return requirement_order(requirement_id)


def _check_each(templates: list[str], project, parsed=None) -> tuple[list, list, list[int]]:
    """Each template's report, or the line (on stderr) saying why it could not be checked."""
    from tapcheck.batch import check_all

    batch = check_all(templates, project, parsed)
    for item in batch.unchecked:
        print(item.problem, file=sys.stderr)
    return batch.reports, batch.unchecked, [item.exit_code for item in batch.unchecked]


def cmd_install_tools(args: argparse.Namespace) -> int:
    from tapcheck.tools.guard.locate import find_binary
    from tapcheck.tools.guard.provision import install_tools

    package = install_tools(Path(args.into) if args.into else None, keep_wheel=args.keep_wheel)
    print(f"cfn-guard and the Control Tower rules: {package}")
    if args.into is None:
        print(f"cfn-guard in use: {find_binary()}")
    return EXIT_OK


def cmd_requirements(args: argparse.Namespace) -> int:
    from tapcheck.live.collect import probes
    from tapcheck.mutation.operators import OPERATORS
    from tapcheck.report.catalogue import catalogue, markdown

    rows = catalogue(probes(), OPERATORS)
    if args.format == "json":
        import json

        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        sys.stdout.write(markdown(rows))
    return EXIT_OK


def cmd_lsp(args: argparse.Namespace) -> int:
    from tapcheck.extras import require

    require("lsp", "tapcheck lsp")  # before the server starts: one line naming the extra
    from tapcheck import lsp

    return lsp.serve()


def cmd_score(args: argparse.Namespace) -> int:
    from tapcheck.extras import require

    require("test", "tapcheck score")  # hypothesis generates the mutants
    from tapcheck.mutation.score import main as score_main

    return score_main(args)


class _ReaderMayLeave:
    """A text stream that stops writing, silently, once its reader has gone (`tapcheck ... | head -1`).

    The command still runs to the end and exits with its own code: a closed pipe is the
    reader's choice, not an error of tapcheck's."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.reader_gone = False

    def write(self, text: str) -> int:
        if not self.reader_gone:
            try:
                return self._stream.write(text)
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        if not self.reader_gone and not self._stream.closed:  # `tapcheck lsp`: the server closes stdio
            try:
                self._stream.flush()
            except BrokenPipeError:
                self._gone()

    def _gone(self) -> None:
        self.reader_gone = True
        try:  # what is still buffered, and Python's own flush at exit, go nowhere instead of failing
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _not_ours(exc: BaseException) -> UsageError | None:
    """A failure talking to AWS that is the environment's, as its one line (tapcheck.live.aws_errors)."""
    try:
        from tapcheck.live.aws_errors import describe
    except ImportError:
        return None
    return describe(exc)


def _interrupted_code(signum: int | None) -> int:
    return 128 + signum if signum else EXIT_INTERRUPTED


def _command_label(argv: list[str] | None) -> str:
    """`tapcheck smoke`, `tapcheck emulator start`: the command words before the first option."""
    from itertools import takewhile

    words = list(takewhile(lambda word: not word.startswith("-"), sys.argv[1:] if argv is None else argv))
    nested = words[:1] in (["emulator"], ["drill"], ["runner"])  # commands with subcommands
    return " ".join(["tapcheck", *words[: 2 if nested else 1]])


def main(argv: list[str] | None = None) -> int:
    from tapcheck import interrupts

    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _ReaderMayLeave(sys.stdout), _ReaderMayLeave(sys.stderr)
    interrupts.handle()  # SIGTERM and SIGHUP end the run as Ctrl-C does, cleanups first
    try:
        args = build_parser().parse_args(argv)
        code = args.func(args)
        # a command that handled the interrupt itself (deploy) says 130: the signal decides
        return _interrupted_code(interrupts.received()) if code == EXIT_INTERRUPTED else code
    except UsageError as error:  # MissingTool included: its exit code is 3
        print(error.line(), file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt as e:  # interrupts.Interrupted included (SIGINT, SIGTERM, SIGHUP)
        signum = getattr(e, "signum", None) or interrupts.received()
        name = {15: " (SIGTERM)", 1: " (SIGHUP)"}.get(signum or 2, "")
        print(f"tapcheck: interrupted{name}", file=sys.stderr)
        return _interrupted_code(signum)
    except RecursionError:
        print("tapcheck: input nested too deeply to process (fix: flatten the template)", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:
        theirs = _not_ours(exc)  # the network, an endpoint, TLS, throttling, credentials: exit 2
        if theirs is not None:
            print(theirs.line(), file=sys.stderr)
            return theirs.exit_code
        from tapcheck.extras import missing_package

        missing = missing_package(exc, _command_label(argv))  # a package an extra carries: exit 3, not 4
        if missing is not None:
            print(missing.line(), file=sys.stderr)
            return missing.exit_code
        if os.environ.get(ENV_DEBUG):  # a bug of ours: one line, the traceback only on request
            raise
        print(internal_error_line(exc), file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        interrupts.reset()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = saved


# Commands run as a short-lived process that neither collects cycles nor tears down at exit.
# Importing cfn-lint and loading its rules allocate objects that live until the process ends: the
# cycle collector walks them again and again (loading the rules takes 0.31-0.33 s with it, 0.17-
# 0.20 s without, on this machine), and Python's teardown frees them one by one (0.1-0.3 s) where
# the OS frees them at once. What the gate allocates is freed by reference counting as usual; the
# cycles it leaves (a few MB for a 477 KB template) go with the process. A batch's workers, which
# live for many templates, collect (tapcheck.batch).
QUICK_EXIT_COMMANDS = frozenset({"tapcheck check"})


def run() -> None:
    """The `tapcheck` console script: main(), then exit with its code."""
    quick = _command_label(None) in QUICK_EXIT_COMMANDS
    if quick:
        import gc

        gc.disable()
    code = main()
    if quick:
        leave_now(code)
    sys.exit(code)


def leave_now(code: int) -> None:
    """Exit as Python would (exit handlers run, the streams flushed), minus the teardown of every
    object. Returns, leaving the exit to Python, where that would differ: another thread is alive
    (Python waits for it) or a stream cannot be flushed (Python reports it)."""
    import atexit
    import threading

    if threading.active_count() != 1:
        return
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(code)


if __name__ == "__main__":
    run()
