"""`tapcheck emulator start|stop`, `deploy`, `smoke`, `drill failover`, `destroy`.

`register(subparsers)` is called by tapcheck.cli; every handler returns an exit code and
raises tapcheck.errors.UsageError for unusable input (exit 2, one line). Heavy imports
(boto3, psycopg, moto) happen inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tapcheck.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_UNUSABLE, UsageError

DEFAULT_TEMPLATE = "lib/TapStack.json"
EMULATOR_STATE_HELP = ("the local emulator's state file (its port, data directory, process), to run several "
                       "emulators side by side; default $TAPCHECK_EMULATOR_STATE, else "
                       "~/.cache/tapcheck/emulator-<uid>-<hash of the project root>.json")


def _params(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {item}", "is not KEY=VALUE", "write --param SubnetId1=subnet-0abc")
        out[key] = value
    return out


def _target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", choices=("local", "aws"), default="local",
                   help="local emulator (default) or AWS (standard credential chain)")
    p.add_argument("--region", help="AWS region (default: from the credential chain; us-east-1 locally)")
    p.add_argument("--emulator-state", metavar="FILE", help=EMULATOR_STATE_HELP)


def _timeout_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=_seconds, default=None, metavar="SECONDS",
                   help="give up waiting after this long (the operation goes on; what is left and the command that "
                        "removes it are printed, exit 1); default 120 locally, 3600 on AWS")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0 seconds")
    return value


def register(subparsers: Any) -> None:
    emu = subparsers.add_parser("emulator", help="start or stop the local emulator (moto + PostgreSQL 15)")
    emu_sub = emu.add_subparsers(dest="emulator_command", required=True)
    start = emu_sub.add_parser("start", help="start in the background; returns when ready")
    start.add_argument("--port", type=int, default=None, help="port on 127.0.0.1 (default 4566)")
    start.add_argument("--network-boundary", action="store_true",
                       help="run each cluster's PostgreSQL in its own network namespace, unreachable from the host "
                            "by TCP, as a private cluster is on AWS (root only; also TAPCHECK_NETWORK_BOUNDARY=1)")
    start.add_argument("--emulator-state", metavar="FILE", help=EMULATOR_STATE_HELP)
    start.set_defaults(func=cmd_emulator_start)
    stop = emu_sub.add_parser("stop", help="stop it: PostgreSQL, data directories, server")
    stop.add_argument("--emulator-state", metavar="FILE", help=EMULATOR_STATE_HELP)
    stop.set_defaults(func=cmd_emulator_stop)

    dep = subparsers.add_parser("deploy", help="deploy a template and print its outputs")
    dep.add_argument("template", nargs="?", default=DEFAULT_TEMPLATE)
    dep.add_argument("--stack-name", required=True)
    dep.add_argument("--param", action="append", metavar="KEY=VALUE", help="template parameter (repeatable)")
    dep.add_argument("--capabilities", metavar="CAP[,CAP]", default=None,
                     help="capabilities acknowledged to CloudFormation (default CAPABILITY_IAM,CAPABILITY_NAMED_IAM; "
                          "'none' for none)")
    dep.add_argument("--allow", action="append", default=[], metavar="RESOURCE",
                     help="updating an existing stack: accept this resource's blocking change (data loss, failing "
                          "update, diverging credentials) that the plan found, visibly (repeatable)")
    _timeout_arg(dep)
    _target_args(dep)
    dep.set_defaults(func=cmd_deploy)

    cancel = subparsers.add_parser("cancel-update", help="cancel an update in progress; CloudFormation rolls it back")
    cancel.add_argument("--stack-name", required=True)
    _timeout_arg(cancel)
    _target_args(cancel)
    cancel.set_defaults(func=cmd_cancel_update)

    smoke = subparsers.add_parser("smoke", help="probe a deployed stack (exit 0 pass, 1 a probe failed, 2 could not run)")
    smoke.add_argument("--stack-name", required=True)
    smoke.add_argument("--db-host", help="reach the writer through this host (e.g. a tunnel)")
    smoke.add_argument("--db-port", type=int)
    smoke.add_argument("--db-reader-host", help="reach the reader through this host")
    smoke.add_argument("--db-reader-port", type=int)
    smoke.add_argument("--no-runner", action="store_true",
                       help="with --target aws: probe the database from here instead of from a Lambda function made "
                            "in the stack's VPC for the run (the default there; --db-host also turns it off)")
    smoke.add_argument("--only", help="comma-separated requirement ids to probe (e.g. R7,H1)")
    smoke.add_argument("--strict", action="store_true",
                       help="on AWS, a skipped probe (e.g. no network path to the database) fails the run (exit 1); "
                            "on the local target a skip always does")
    _format_args(smoke)
    _target_args(smoke)
    smoke.set_defaults(func=cmd_smoke)

    drill = subparsers.add_parser("drill", help="disruptive live drills on a deployed stack")
    drill_sub = drill.add_subparsers(dest="drill_command", required=True)
    fail = drill_sub.add_parser("failover", help="fail the cluster over while writing; check C6 (exit 0 held, "
                                "1 a check failed, 2 could not run)")
    fail.add_argument("--stack-name", required=True)
    fail.add_argument("--yes-disrupt", action="store_true",
                      help="required with --target aws: the drill fails over the live cluster")
    fail.add_argument("--db-host", help="reach the writer through this host (e.g. a tunnel)")
    fail.add_argument("--db-port", type=int)
    fail.add_argument("--db-reader-host", help="reach the reader through this host")
    fail.add_argument("--db-reader-port", type=int)
    _format_args(fail)
    _target_args(fail)
    fail.set_defaults(func=cmd_drill_failover)

    run = subparsers.add_parser("runner", help="the in-VPC probe runner smoke makes on AWS")
    run_sub = run.add_subparsers(dest="runner_command", required=True)
    clean = run_sub.add_parser("cleanup", help="remove runner functions and roles left by earlier runs for a stack "
                               "(found by their tag tapcheck:runner-for)")
    clean.add_argument("--stack-name", required=True)
    _target_args(clean)
    clean.set_defaults(func=cmd_runner_cleanup)

    des = subparsers.add_parser("destroy", help="delete a deployed stack")
    des.add_argument("--stack-name", required=True)
    _timeout_arg(des)
    _target_args(des)
    des.set_defaults(func=cmd_destroy)


def cmd_emulator_start(args: argparse.Namespace) -> int:
    from tapcheck.extras import require

    require("emulator", "tapcheck emulator start")   # before a server is spawned that could not import moto
    from tapcheck.emulator import control

    from tapcheck.emulator import netns

    if (args.network_boundary or netns.requested()) and netns.unavailable():
        print(f"tapcheck: {netns.unavailable()}", file=sys.stderr)
    st = control.start(port=args.port, path=args.emulator_state, network_boundary=args.network_boundary)
    boundary = ", network boundary on" if st.get("network_boundary") else ""
    print(f"emulator ready at {st['url']} (pid {st['pid']}, data {st['root']}{boundary})")
    print(f"state: {control.state_path(args.emulator_state)}")
    return EXIT_OK


def cmd_emulator_stop(args: argparse.Namespace) -> int:
    from tapcheck.emulator import control

    done = control.stop(path=args.emulator_state)
    print("\n".join(done) if done else "emulator was not running")
    return EXIT_OK


def _target(args: argparse.Namespace) -> Any:
    from tapcheck.extras import require
    from tapcheck.live import target

    require("emulator" if args.target == "local" else "aws", f"tapcheck {args.command} --target {args.target}")

    return target.resolve(args.target, region=args.region, state=args.emulator_state)


def _capabilities(text: str | None) -> tuple[str, ...]:
    from tapcheck.live.deploy import DEFAULT_CAPABILITIES

    if text is None:
        return DEFAULT_CAPABILITIES
    caps = tuple(c.strip() for c in text.split(",") if c.strip() and c.strip().lower() != "none")
    known = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
    for cap in caps:
        if cap not in known:
            raise UsageError(f"--capabilities {cap}", "is not a CloudFormation capability", f"use {', '.join(known)} or none")
    return caps


@contextmanager
def _emulator_answers(tgt: Any) -> Iterator[None]:
    """On the local target, an emulator that stops answering mid-command is one clear line."""
    from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

    try:
        yield
    except (EndpointConnectionError, ReadTimeoutError, ConnectionClosedError) as e:
        if not tgt.local:
            raise
        raise UsageError("emulator", f"the emulator at {tgt.endpoint_url} stopped answering ({type(e).__name__})",
                         "run `tapcheck emulator stop`, then `tapcheck emulator start`") from None


def _report_check(check: Any, stack: str, tgt: Any, rolled_back: bool = True) -> None:
    if check is None:
        return
    if check.clean and not rolled_back:
        print(f"tapcheck: checked {check.summary()}: nothing the update created is left", file=sys.stderr)
    elif check.clean:
        print(f"tapcheck: rolled back and deleted; checked {check.summary()}: nothing of {stack} is left",
              file=sys.stderr)
    else:
        print(f"tapcheck: still left of {stack}: {'; '.join(check.left)} (checked {check.summary()})", file=sys.stderr)
        if tgt.local:
            print("tapcheck: `tapcheck emulator stop` removes everything the emulator holds", file=sys.stderr)


def cmd_deploy(args: argparse.Namespace) -> int:
    from tapcheck.live import deploy, update

    caps = _capabilities(args.capabilities)
    tgt = _target(args)
    allows = [a.strip() for a in args.allow if a.strip()]
    try:
        with _emulator_answers(tgt):
            result = deploy.deploy(tgt, args.template, args.stack_name, _params(args.param), timeout=args.timeout,
                                   capabilities=caps, allows=allows, out=sys.stdout)
    except update.UpdateRefused as e:
        print(f"tapcheck: deploy of {args.stack_name} refused: blocking change(s) to {', '.join(e.blocked)}; nothing was "
              "changed (fix: change the edit, or accept a change you intend with --allow RESOURCE)", file=sys.stderr)
        return EXIT_FINDINGS
    except update.VerdictsDisagree as e:
        named = "; ".join(f"{r.resource} (plan: {r.plan}; CloudFormation: {r.cloudformation})" for r in e.rows)
        print(f"tapcheck: deploy of {args.stack_name} stopped before executing change set {e.change_set}: the plan and "
              f"CloudFormation disagree on {named}. The change set was deleted; nothing was changed", file=sys.stderr)
        return EXIT_FINDINGS
    except deploy.DeployFailed as e:
        what = "update" if e.status.startswith("UPDATE") else "deploy"
        print(f"tapcheck: {what} of {e.stack} failed ({e.status}): resource {e.resource}: {e.reason}", file=sys.stderr)
        if e.status == "CREATE_REJECTED":
            print("tapcheck: refused before anything was created", file=sys.stderr)
        elif e.status == "UPDATE_REJECTED":
            print("tapcheck: refused before anything was changed", file=sys.stderr)
        elif e.status.startswith("UPDATE_ROLLBACK"):
            print("tapcheck: CloudFormation rolled the update back; the stack runs its previous template", file=sys.stderr)
        _report_check(e.check, e.stack, tgt, rolled_back=what == "deploy")
        return EXIT_FINDINGS
    except deploy.DeployTimedOut as e:
        _report_unfinished(e.operation, e.stack, tgt, f"did not finish within {e.seconds:g} s", e.status, e.left,
                           e.command)
        return EXIT_FINDINGS
    except deploy.DeployInterrupted as e:
        _report_interrupted(e, tgt)
        return EXIT_INTERRUPTED
    if result.action == "update" and not result.changed:
        print(f"stack {result.stack_name}: no changes to deploy on {tgt.name}")
        return EXIT_OK
    status = "UPDATE_COMPLETE" if result.action == "update" else "CREATE_COMPLETE"
    print(f"stack {result.stack_name} {status} in {result.seconds:.1f} s on {tgt.name}")
    width = max((len(k) for k in result.outputs), default=0)
    for key, value in result.outputs.items():
        print(f"  {key:<{width}}  {value}")
    return EXIT_OK


def _report_unfinished(operation: str, stack: str, tgt: Any, why: str, status: str | None, left: str,
                       command: str | None) -> None:
    print(f"tapcheck: the {operation} of {stack} {why}; it goes on on {tgt.name} (stack {status or 'gone'})",
          file=sys.stderr)
    print(f"tapcheck: left so far: {left}", file=sys.stderr)
    if command:
        verb = "cancel the update and roll it back" if operation == "update" else "remove it"
        print(f"tapcheck: to {verb}: {command}", file=sys.stderr)


def _report_interrupted(e: Any, tgt: Any) -> None:
    if e.operation == "update" and e.check is not None:
        print(f"tapcheck: interrupted; cancelled the update of {e.stack}: the stack is {e.status}", file=sys.stderr)
        _report_check(e.check, e.stack, tgt, rolled_back=False)
    elif e.operation in ("update", "delete"):
        _report_unfinished(e.operation, e.stack, tgt, "was interrupted", e.status, e.left, e.command)
    elif e.command:
        print(f"tapcheck: interrupted; the stack {e.stack} may still be creating on {e.target} "
              f"(created so far: {e.left}). Remove it with: {e.command}", file=sys.stderr)
    elif e.check is not None:
        print(f"tapcheck: interrupted; rolled back the partial stack {e.stack}", file=sys.stderr)
        _report_check(e.check, e.stack, tgt)
    else:
        print(f"tapcheck: interrupted before the stack {e.stack} was requested; nothing was created",
              file=sys.stderr)


def cmd_runner_cleanup(args: argparse.Namespace) -> int:
    from tapcheck.live import runner

    tgt = _target(args)
    with _emulator_answers(tgt):
        removed, left = runner.cleanup(tgt, args.stack_name)
    for what in removed:
        print(f"removed {what}")
    for what in left:
        print(f"tapcheck: could not remove {what}", file=sys.stderr)
    if not removed and not left:
        print(f"no runner resources of {args.stack_name} found")
    return EXIT_FINDINGS if left else EXIT_OK


def cmd_destroy(args: argparse.Namespace) -> int:
    from tapcheck.live import deploy

    tgt = _target(args)
    try:
        with _emulator_answers(tgt):
            seconds = deploy.destroy(tgt, args.stack_name, timeout=args.timeout, out=sys.stdout)
    except deploy.DeployFailed as e:
        print(f"tapcheck: delete of {e.stack} failed ({e.status}): resource {e.resource}: {e.reason}", file=sys.stderr)
        return EXIT_FINDINGS
    except deploy.DeployTimedOut as e:
        _report_unfinished(e.operation, e.stack, tgt, f"did not finish within {e.seconds:g} s", e.status, e.left,
                           f"{e.command} (again, to wait for it)")
        return EXIT_FINDINGS
    except deploy.DeployInterrupted as e:
        _report_interrupted(e, tgt)
        return EXIT_INTERRUPTED
    print(f"stack {args.stack_name} deleted in {seconds:.1f} s")
    return EXIT_OK


def cmd_cancel_update(args: argparse.Namespace) -> int:
    from tapcheck.live import deploy

    tgt = _target(args)
    try:
        with _emulator_answers(tgt):
            status, check = deploy.cancel_update(tgt, args.stack_name, timeout=args.timeout, out=sys.stdout)
    except deploy.OperationTimeout as e:
        print(f"tapcheck: the rollback of {args.stack_name} did not finish within {e.seconds:g} s "
              f"(stack {e.status}); run this command again to wait for it", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"stack {args.stack_name} {status}")
    _report_check(check, args.stack_name, tgt, rolled_back=False)
    return EXIT_OK if status == "UPDATE_ROLLBACK_COMPLETE" and check.clean else EXIT_FINDINGS


def cmd_drill_failover(args: argparse.Namespace) -> int:
    from tapcheck.live import drill

    drill.require_consent(args.target, args.yes_disrupt)  # before looking for credentials
    tgt = _target(args)
    # the drill narrates as it goes: on standard output for text, on standard error beside a report
    narration = sys.stdout if args.format == "text" and not args.output else sys.stderr
    result = drill.run_drill(tgt, args.stack_name, yes_disrupt=args.yes_disrupt, out=narration,
                             db_host=args.db_host, db_port=args.db_port, db_reader_host=args.db_reader_host,
                             db_reader_port=args.db_reader_port)
    report = drill.as_report(result, "local" if tgt.local else "aws")
    if narration is sys.stdout:
        return report.exit_code
    return _report(report, args)


def _format_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json", "junit"), default="text",
                   help="text (default), json (schema: tapcheck/report/schemas/live-report.schema.json) or junit")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")


def _report(report: Any, args: argparse.Namespace) -> int:
    from tapcheck.cli import _write
    from tapcheck.report import live

    _write(live.render(report, args.format), args.output)
    return report.exit_code


def cmd_smoke(args: argparse.Namespace) -> int:
    tgt = _target(args)
    with _emulator_answers(tgt):
        report = run_smoke(
            tgt, args.stack_name, db_host=args.db_host, db_port=args.db_port,
            db_reader_host=args.db_reader_host, db_reader_port=args.db_reader_port,
            only=[x.strip().upper() for x in args.only.split(",")] if args.only else None, strict=args.strict,
            runner=not tgt.local and not args.no_runner and not args.db_host,
        )
    return _report(report, args)


def smoke(tgt: Any, stack_name: str, out: Any = None, only: list[str] | None = None, strict: bool = False,
          **db: Any) -> int:
    """run_smoke, printed as text to `out` (standard output); returns the exit code."""
    from tapcheck.report import live

    report = run_smoke(tgt, stack_name, only=only, strict=strict, **db)
    (out or sys.stdout).write(live.text(report))
    return report.exit_code


def run_smoke(tgt: Any, stack_name: str, only: list[str] | None = None, strict: bool = False, runner: bool = False,
              **db: Any) -> Any:
    """Run every probe against the stack: a LiveReport with one case per probe run. Exit 0 when every
    probe passed; 1 when one failed, naming its requirements — or skipped where a skip counts as
    failure (always on the local target, on AWS with --strict); 2 when nothing could be probed. A
    stack that cannot be probed at all raises UsageError (exit 2)."""
    from tapcheck.findings import Status
    from tapcheck.live import deploy, probing
    from tapcheck.live.context import Context
    from tapcheck.report.live import Case, LiveReport
    from tapcheck.requirements.registry import requirement_order

    stack = deploy.describe(tgt, stack_name)
    if not stack["StackStatus"].endswith("_COMPLETE") or stack["StackStatus"].startswith(("ROLLBACK", "DELETE")):
        raise UsageError(f"stack {stack_name}", f"is {stack['StackStatus']}", "deploy it again")
    ctx = Context(tgt, stack_name, **db)
    wanted = set(only or ())
    remote = None
    if runner:  # the data-plane probes run in a Lambda function in the stack's VPC (live/runner.py)
        from tapcheck.live.runner import run_remote as remote
    results = probing.run_all(ctx, only=(lambda p: bool(wanted & set(p.requirements))) if only else None,
                              remote=remote)
    failed = [r for r in results if r.status is Status.FAIL]
    skipped = [r for r in results if r.status is Status.SKIP]
    passed = len(results) - len(failed) - len(skipped)
    skip_fails = probing.skip_fails(tgt.local, strict)
    blocking = failed + (skipped if skip_fails else [])
    failed_requirements = sorted({q for r in blocking for q in r.requirements}, key=requirement_order)
    summary = f"smoke {stack_name}: {passed} passed, {len(failed)} failed, {len(skipped)} skipped"
    if blocking:
        summary += "; failed requirements: " + ", ".join(failed_requirements)
    if skipped and skip_fails:
        summary += (" (a skip fails the run on the local target, where nothing is outside the stack)" if tgt.local
                    else " (--strict: a skip fails the run)")
    code = EXIT_FINDINGS if blocking else (EXIT_UNUSABLE if not passed else EXIT_OK)
    cases = [Case(r.name, r.requirements, r.status, r.detail, r.seconds, endpoint=r.endpoint, plane=r.plane,
                  checks=r.checks, line=r.line()) for r in results]
    return LiveReport("smoke", stack_name, "local" if tgt.local else "aws", cases, summary, code,
                      failed_requirements)
