"""`tapcheck emulator start|stop`, `deploy`, `smoke`, `drill failover`, `destroy`: the adapters.

`register(subparsers)` is called by tapcheck.cli; each handler parses its arguments, calls the use
case (live/deploy.py, live/smoke.py, live/drill.py, live/runner.py) and renders what it returns;
it returns an exit code and raises tapcheck.errors.UsageError for unusable input (exit 2, one
line). Heavy imports (boto3, psycopg, moto) happen inside the handlers.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tapcheck import DEFAULT_TEMPLATE
from tapcheck.errors import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, UsageError

EMULATOR_STATE_HELP = (
    "the local emulator's state file (its port, data directory, process), to run several "
    "emulators side by side; default $TAPCHECK_EMULATOR_STATE, else "
    "~/.cache/tapcheck/emulator-<uid>-<hash of the project root>.json"
)


def _params(items: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {item}", "is not KEY=VALUE", "write --param SubnetId1=subnet-0abc")
        out[key] = value
    return out


def _target_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        choices=("local", "aws"),
        default="local",
        help="local emulator (default) or AWS (standard credential chain)",
    )
    p.add_argument("--region", help="AWS region (default: from the credential chain; us-east-1 locally)")
    p.add_argument("--emulator-state", metavar="FILE", help=EMULATOR_STATE_HELP)


CA_BUNDLE_ENV = "TAPCHECK_CA_BUNDLE"


def _ca_bundle_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ca-bundle",
        metavar="FILE",
        default=os.environ.get(CA_BUNDLE_ENV) or None,
        help="PEM bundle the database servers' certificates are verified against (sslmode=verify-full; "
        f"a password goes only to a verified server, by SCRAM); also ${CA_BUNDLE_ENV}. Default: the "
        "emulator's own CA locally; on AWS, AWS's global RDS bundle, fetched once and checked against "
        "a pinned digest — none is pinned in this release, so on AWS name the bundle here "
        "(README: On AWS)",
    )


def _confirm_arg(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--confirm-stack",
        metavar="NAME",
        help=f"with --target aws: {what} only when NAME repeats --stack-name exactly (typed at a prompt "
        "instead when standard input is a terminal; a run without a terminal needs this option). "
        "The local target, a test emulator, needs no confirmation",
    )


def _timeout_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="give up waiting after this long (the operation goes on; what is left and the command that "
        "removes it are printed, exit 1); default 120 locally, 3600 on AWS",
    )


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
    start.add_argument(
        "--network-boundary",
        action="store_true",
        help="run each cluster's PostgreSQL in its own network namespace, unreachable from the host "
        "by TCP, as a private cluster is on AWS (root only; also TAPCHECK_NETWORK_BOUNDARY=1)",
    )
    start.add_argument("--emulator-state", metavar="FILE", help=EMULATOR_STATE_HELP)
    start.set_defaults(func=cmd_emulator_start)
    stop = emu_sub.add_parser("stop", help="stop it: PostgreSQL, data directories, server")
    stop.add_argument("--emulator-state", metavar="FILE", help=EMULATOR_STATE_HELP)
    stop.set_defaults(func=cmd_emulator_stop)
    env = emu_sub.add_parser(
        "env",
        help="print export lines that point an AWS SDK or CLI at the running emulator "
        "(its endpoint and the API credentials from its state file)",
    )
    env.add_argument("--emulator-state", metavar="FILE", help=EMULATOR_STATE_HELP)
    env.set_defaults(func=cmd_emulator_env)

    dep = subparsers.add_parser("deploy", help="deploy a template and print its outputs")
    dep.add_argument("template", nargs="?", default=DEFAULT_TEMPLATE)
    dep.add_argument("--stack-name", required=True)
    dep.add_argument("--param", action="append", metavar="KEY=VALUE", help="template parameter (repeatable)")
    dep.add_argument(
        "--capabilities",
        metavar="CAP[,CAP]",
        default=None,
        help="capabilities acknowledged to CloudFormation (default CAPABILITY_IAM,CAPABILITY_NAMED_IAM; "
        "'none' for none)",
    )
    dep.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="RESOURCE",
        help="updating an existing stack: accept this resource's blocking change (data loss, failing "
        "update, diverging credentials) that the plan found, visibly (repeatable)",
    )
    _timeout_arg(dep)
    _target_args(dep)
    dep.set_defaults(func=cmd_deploy)

    cancel = subparsers.add_parser("cancel-update", help="cancel an update in progress; CloudFormation rolls it back")
    cancel.add_argument("--stack-name", required=True)
    _timeout_arg(cancel)
    _target_args(cancel)
    cancel.set_defaults(func=cmd_cancel_update)

    smoke = subparsers.add_parser(
        "smoke",
        help="probe a deployed stack (exit 0 pass, 1 a probe failed, 2 could not run)",
        description="Probe a deployed stack. On AWS smoke changes nothing by default: no alarm is fired, nothing is "
        "written to the database, nothing is left subscribed; H4 and C6 are judged read-only (the live key, "
        "policies, subscriptions and alarm history; aurora_replica_status()). --fire-alarm and "
        "--write-probes opt in to proving them by acting. The local target (a test emulator) fires and "
        "writes by default. Whatever a run makes is removed, and the alarm put back as found, on every "
        "exit path, Ctrl-C, SIGTERM and SIGHUP included.",
    )
    smoke.add_argument("--stack-name", required=True)
    smoke.add_argument(
        "--fire-alarm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="H4: set the CPU alarm to ALARM and back to prove a notification arrives. Every confirmed "
        "subscriber of the alarm's topic is notified (of the ALARM, and of the OK when OKActions "
        "name the topic, as the shipped template's do); an alarm that is not OK (a real incident) "
        "is never touched. Default: off on AWS, on locally",
    )
    smoke.add_argument(
        "--write-probes",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="C6: write a row on the writer and read it on the reader, in a schema the run creates "
        "under a random name and drops (refusing any object it did not make, or one with "
        "triggers). Default: off on AWS, on locally",
    )
    smoke.add_argument("--db-host", help="reach the writer through this host (e.g. a tunnel)")
    smoke.add_argument("--db-port", type=int)
    smoke.add_argument("--db-reader-host", help="reach the reader through this host")
    smoke.add_argument("--db-reader-port", type=int)
    smoke.add_argument(
        "--no-runner",
        action="store_true",
        help="with --target aws: probe the database from here instead of from a Lambda function made "
        "in the stack's VPC for the run (the default there; --db-host also turns it off)",
    )
    smoke.add_argument("--only", help="comma-separated requirement ids to probe (e.g. R7,H1)")
    smoke.add_argument(
        "--strict",
        action="store_true",
        help="on AWS, a skipped probe (e.g. no network path to the database) fails the run (exit 1); "
        "on the local target a skip always does",
    )
    _ca_bundle_arg(smoke)
    _format_args(smoke)
    _target_args(smoke)
    smoke.set_defaults(func=cmd_smoke)

    drill = subparsers.add_parser("drill", help="disruptive live drills on a deployed stack")
    drill_sub = drill.add_subparsers(dest="drill_command", required=True)
    fail = drill_sub.add_parser(
        "failover",
        help="fail the cluster over while writing; check C6 (exit 0 held, 1 a check failed, 2 could not run)",
    )
    fail.add_argument("--stack-name", required=True)
    _confirm_arg(fail, "the drill fails over the live cluster (the writer changes, every connection drops)")
    fail.add_argument("--yes-disrupt", action="store_true", help=argparse.SUPPRESS)  # replaced by --confirm-stack
    fail.add_argument("--db-host", help="reach the writer through this host (e.g. a tunnel)")
    fail.add_argument("--db-port", type=int)
    fail.add_argument("--db-reader-host", help="reach the reader through this host")
    fail.add_argument("--db-reader-port", type=int)
    _ca_bundle_arg(fail)
    _format_args(fail)
    _target_args(fail)
    fail.set_defaults(func=cmd_drill_failover)

    run = subparsers.add_parser("runner", help="the in-VPC probe runner smoke makes on AWS")
    run_sub = run.add_subparsers(dest="runner_command", required=True)
    clean = run_sub.add_parser(
        "cleanup",
        help="remove runner functions, log groups and roles left by earlier runs for "
        "a stack: only those with the runner's name for it, its role path and its tag "
        "tapcheck:runner-for, all three",
    )
    clean.add_argument("--stack-name", required=True)
    _target_args(clean)
    clean.set_defaults(func=cmd_runner_cleanup)

    pol = subparsers.add_parser(
        "iam-policy",
        help="print the IAM policies smoke needs for one stack, scoped to its resources",
        description="Print the IAM policies `smoke --target aws` needs for the stack, as JSON: smoke-policy "
        "(always), runner-policy and runner-boundary (--runner: the in-VPC runner and `runner cleanup`). "
        "Resources are the stack's own, named from the template for this stack name, account and region. "
        "Nothing is called on AWS except STS GetCallerIdentity when --account is not given.",
    )
    pol.add_argument("template", nargs="?", default=DEFAULT_TEMPLATE)
    pol.add_argument("--stack-name", required=True)
    pol.add_argument(
        "--account",
        help="the 12-digit account id (default: the current credentials' account, "
        "from STS GetCallerIdentity; without credentials, required)",
    )
    pol.add_argument("--region", help="AWS region (default: from the credential chain's configuration)")
    pol.add_argument(
        "--param",
        action="append",
        metavar="KEY=VALUE",
        help="a parameter value the stack was deployed with (e.g. EnvironmentSuffix=prod; default: the "
        "template's Default)",
    )
    pol.add_argument("--runner", action="store_true", help="add the in-VPC runner's policy and permissions boundary")
    pol.add_argument(
        "--fire-alarm",
        action="store_true",
        help="add what smoke's opt-in H4 firing needs: SetAlarmState on the stack's alarm, a probe queue "
        "subscribed to the stack's topic",
    )
    pol.add_argument(
        "--write-probes",
        action="store_true",
        help="smoke's opt-in C6 write probes: changes nothing here, they write through the database "
        "login, which IAM does not govern",
    )
    pol.add_argument(
        "--policy",
        choices=("smoke-policy", "runner-policy", "runner-boundary"),
        help="print this document alone (to pass to aws iam create-policy)",
    )
    pol.set_defaults(func=cmd_iam_policy)

    des = subparsers.add_parser(
        "destroy",
        help="delete a deployed stack",
        description="Delete a deployed stack. On AWS it asks for the stack's name again "
        "(--confirm-stack NAME, or typed at a prompt) and deletes nothing "
        "without it; the local target, a test emulator, deletes at once.",
    )
    des.add_argument("--stack-name", required=True)
    _confirm_arg(des, "deletes the stack")
    _timeout_arg(des)
    _target_args(des)
    des.set_defaults(func=cmd_destroy)


def cmd_emulator_start(args: argparse.Namespace) -> int:
    from tapcheck.extras import require

    require("emulator", "tapcheck emulator start")  # before a server is spawned that could not import moto
    from tapcheck.emulator import control, netns

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


def cmd_emulator_env(args: argparse.Namespace) -> int:
    import shlex

    from tapcheck.emulator import control

    for name, value in control.environment(args.emulator_state).items():
        print(f"export {name}={shlex.quote(value)}")
    return EXIT_OK


def _installed_for(args: argparse.Namespace) -> None:
    """The extra the target needs is installed (exit 3 naming it, before anything is asked or looked up)."""
    from tapcheck.extras import require

    require("emulator" if args.target == "local" else "aws", f"tapcheck {args.command} --target {args.target}")


def _target(args: argparse.Namespace) -> Any:
    from tapcheck.live import target

    _installed_for(args)
    return target.resolve(
        args.target, region=args.region, state=args.emulator_state, ca_bundle=getattr(args, "ca_bundle", None)
    )


def _stack_name(args: argparse.Namespace, arn_ok: bool = True) -> str:
    """--stack-name as CloudFormation accepts it, checked before anything else (stack_names.py)."""
    from tapcheck.live import stack_names

    return stack_names.validated(args.stack_name, arn_ok=arn_ok)


def _confirmed(args: argparse.Namespace, command: str) -> None:
    """A destructive command on AWS needs the stack's name repeated (stack_names.confirm); the local
    target, a test emulator, does not, but a --confirm-stack given there must still match."""
    from tapcheck.live import stack_names

    _installed_for(args)  # a confirmation is asked only where the command could then run
    if args.target != "local" or args.confirm_stack is not None:
        stack_names.confirm(args.stack_name, args.confirm_stack, command)


def _capabilities(text: str | None) -> tuple[str, ...]:
    from tapcheck.live.deploy import DEFAULT_CAPABILITIES

    if text is None:
        return DEFAULT_CAPABILITIES
    caps = tuple(c.strip() for c in text.split(",") if c.strip() and c.strip().lower() != "none")
    known = ("CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND")
    for cap in caps:
        if cap not in known:
            raise UsageError(
                f"--capabilities {cap}", "is not a CloudFormation capability", f"use {', '.join(known)} or none"
            )
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
        raise UsageError(
            "emulator",
            f"the emulator at {tgt.endpoint_url} stopped answering ({type(e).__name__})",
            "run `tapcheck emulator stop`, then `tapcheck emulator start`",
        ) from None


def _report_survey(survey: Any, stack: str, tgt: Any, rolled_back: bool = True) -> None:
    if survey is None:
        return
    if survey.clean and not rolled_back:
        print(f"tapcheck: checked {survey.summary()}: nothing the update created is left", file=sys.stderr)
    elif survey.clean:
        print(
            f"tapcheck: rolled back and deleted; checked {survey.summary()}: nothing of {stack} is left",
            file=sys.stderr,
        )
    else:
        print(
            f"tapcheck: still left of {stack}: {'; '.join(survey.left)} (checked {survey.summary()})", file=sys.stderr
        )
        if tgt.local:
            print("tapcheck: `tapcheck emulator stop` removes everything the emulator holds", file=sys.stderr)


def cmd_deploy(args: argparse.Namespace) -> int:
    from tapcheck.live import deploy, update

    _stack_name(args, arn_ok=False)  # CreateStack takes a name
    caps = _capabilities(args.capabilities)
    tgt = _target(args)
    allows = [a.strip() for a in args.allow if a.strip()]
    try:
        with _emulator_answers(tgt):
            result = deploy.deploy(
                tgt,
                args.template,
                args.stack_name,
                _params(args.param),
                timeout=args.timeout,
                capabilities=caps,
                allows=allows,
                out=sys.stdout,
            )
    except update.UpdateRefused as e:
        print(
            f"tapcheck: deploy of {args.stack_name} refused: blocking change(s) to {', '.join(e.blocked)}; nothing was "
            "changed (fix: change the edit, or accept a change you intend with --allow RESOURCE)",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    except update.VerdictsDisagree as e:
        named = "; ".join(f"{r.resource} (plan: {r.plan}; CloudFormation: {r.cloudformation})" for r in e.rows)
        print(
            f"tapcheck: deploy of {args.stack_name} stopped before executing change set {e.change_set}: the plan and "
            f"CloudFormation disagree on {named}. The change set was deleted; nothing was changed",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    except deploy.DeployFailed as e:
        what = "update" if e.status.startswith("UPDATE") else "deploy"
        print(f"tapcheck: {what} of {e.stack} failed ({e.status}): resource {e.resource}: {e.reason}", file=sys.stderr)
        if e.status == "CREATE_REJECTED":
            print("tapcheck: refused before anything was created", file=sys.stderr)
        elif e.status == "UPDATE_REJECTED":
            print("tapcheck: refused before anything was changed", file=sys.stderr)
        elif e.status.startswith("UPDATE_ROLLBACK"):
            print(
                "tapcheck: CloudFormation rolled the update back; the stack runs its previous template", file=sys.stderr
            )
        _report_survey(e.survey, e.stack, tgt, rolled_back=what == "deploy")
        return EXIT_FINDINGS
    except deploy.DeployTimedOut as e:
        _report_unfinished(
            e.operation, e.stack, tgt, f"did not finish within {e.seconds:g} s", e.status, e.left, e.command
        )
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


def _report_unfinished(
    operation: str, stack: str, tgt: Any, why: str, status: str | None, left: str, command: str | None
) -> None:
    print(
        f"tapcheck: the {operation} of {stack} {why}; it goes on on {tgt.name} (stack {status or 'gone'})",
        file=sys.stderr,
    )
    print(f"tapcheck: left so far: {left}", file=sys.stderr)
    if command:
        verb = "cancel the update and roll it back" if operation == "update" else "remove it"
        print(f"tapcheck: to {verb}: {command}", file=sys.stderr)


def _report_interrupted(e: Any, tgt: Any) -> None:
    if e.operation == "update" and e.survey is not None:
        print(f"tapcheck: interrupted; cancelled the update of {e.stack}: the stack is {e.status}", file=sys.stderr)
        _report_survey(e.survey, e.stack, tgt, rolled_back=False)
    elif e.operation in ("update", "delete"):
        _report_unfinished(e.operation, e.stack, tgt, "was interrupted", e.status, e.left, e.command)
    elif e.command:
        print(
            f"tapcheck: interrupted; the stack {e.stack} may still be creating on {e.target} "
            f"(created so far: {e.left}). Remove it with: {e.command}",
            file=sys.stderr,
        )
    elif e.survey is not None:
        print(f"tapcheck: interrupted; rolled back the partial stack {e.stack}", file=sys.stderr)
        _report_survey(e.survey, e.stack, tgt)
    else:
        print(f"tapcheck: interrupted before the stack {e.stack} was requested; nothing was created", file=sys.stderr)


def cmd_runner_cleanup(args: argparse.Namespace) -> int:
    from tapcheck.live import runner

    _stack_name(args, arn_ok=False)  # the runner's tag carries the stack's name
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


def cmd_iam_policy(args: argparse.Namespace) -> int:
    from tapcheck.live import iam_policy

    region = args.region or iam_policy.default_region()
    iam_policy.validate(args.stack_name, args.account, region)
    account = args.account
    if account is None:
        account = iam_policy.account_of(region)
        print(
            f"tapcheck: --account not given: using {account}, the account of the current credentials "
            "(STS GetCallerIdentity)",
            file=sys.stderr,
        )
    documents, notes = iam_policy.policies(
        args.template,
        iam_policy.Scope(args.stack_name, account, region),
        _params(args.param),
        runner=args.runner,
        fire_alarm=args.fire_alarm,
    )
    for note in notes:
        print(f"tapcheck: {note}", file=sys.stderr)
    sys.stdout.write(iam_policy.render(documents, args.policy))
    return EXIT_OK


def cmd_destroy(args: argparse.Namespace) -> int:
    from tapcheck.live import deploy

    _stack_name(args)
    _confirmed(args, "destroy")  # before anything is looked up: nothing is touched without it
    tgt = _target(args)
    try:
        with _emulator_answers(tgt):
            seconds = deploy.destroy(tgt, args.stack_name, timeout=args.timeout, out=sys.stdout)
    except deploy.DeployFailed as e:
        print(f"tapcheck: delete of {e.stack} failed ({e.status}): resource {e.resource}: {e.reason}", file=sys.stderr)
        return EXIT_FINDINGS
    except deploy.DeployTimedOut as e:
        _report_unfinished(
            e.operation,
            e.stack,
            tgt,
            f"did not finish within {e.seconds:g} s",
            e.status,
            e.left,
            f"{e.command} (again, to wait for it)",
        )
        return EXIT_FINDINGS
    except deploy.DeployInterrupted as e:
        _report_interrupted(e, tgt)
        return EXIT_INTERRUPTED
    print(f"stack {args.stack_name} deleted in {seconds:.1f} s")
    return EXIT_OK


def cmd_cancel_update(args: argparse.Namespace) -> int:
    from tapcheck.live import deploy

    _stack_name(args)
    tgt = _target(args)
    try:
        with _emulator_answers(tgt):
            status, survey = deploy.cancel_update(tgt, args.stack_name, timeout=args.timeout, out=sys.stdout)
    except deploy.OperationTimeout as e:
        print(
            f"tapcheck: the rollback of {args.stack_name} did not finish within {e.seconds:g} s "
            f"(stack {e.status}); run this command again to wait for it",
            file=sys.stderr,
        )
        return EXIT_FINDINGS
    print(f"stack {args.stack_name} {status}")
    _report_survey(survey, args.stack_name, tgt, rolled_back=False)
    return EXIT_OK if status == "UPDATE_ROLLBACK_COMPLETE" and survey.clean else EXIT_FINDINGS


def cmd_drill_failover(args: argparse.Namespace) -> int:
    from tapcheck.live import drill

    _stack_name(args)
    if args.yes_disrupt and args.confirm_stack is None and args.target != "local":
        raise UsageError(
            "--yes-disrupt",
            "no longer enough: the drill needs the stack's name repeated",
            f"pass --confirm-stack {args.stack_name}",
        )
    _confirmed(args, "drill failover")  # before looking for credentials or the stack
    tgt = _target(args)
    # the drill narrates as it goes: on standard output for text, on standard error beside a report
    narration = sys.stdout if args.format == "text" and not args.output else sys.stderr
    result = drill.run_drill(
        tgt,
        args.stack_name,
        confirm_stack=args.stack_name,
        out=narration,
        db_host=args.db_host,
        db_port=args.db_port,
        db_reader_host=args.db_reader_host,
        db_reader_port=args.db_reader_port,
    )
    report = drill.as_report(result, "local" if tgt.local else "aws")
    if narration is sys.stdout:
        return report.exit_code
    return _report(report, args)


def _format_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("text", "json", "junit"),
        default="text",
        help="text (default), json (schema: tapcheck/report/schemas/live-report.schema.json) or junit",
    )
    p.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")


def _report(report: Any, args: argparse.Namespace) -> int:
    from tapcheck.output import write
    from tapcheck.report import live

    write(live.render(report, args.format), args.output)
    return report.exit_code


def cmd_smoke(args: argparse.Namespace) -> int:
    from tapcheck.live.smoke import run_smoke

    _stack_name(args)
    tgt = _target(args)
    with _emulator_answers(tgt):
        report = run_smoke(
            tgt,
            args.stack_name,
            db_host=args.db_host,
            db_port=args.db_port,
            db_reader_host=args.db_reader_host,
            db_reader_port=args.db_reader_port,
            only=[x.strip().upper() for x in args.only.split(",")] if args.only else None,
            strict=args.strict,
            runner=not tgt.local and not args.no_runner and not args.db_host,
            writes=args.write_probes,
            fire_alarm=args.fire_alarm,
        )
    return _report(report, args)
