"""tapcheck command line. Exit codes: 0 compliant / all passed, 1 findings / a probe failed,
2 unusable input or a missing tool (one line on stderr, never a traceback)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tapcheck.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, UsageError

DEFAULT_TEMPLATE = "lib/TapStack.json"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tapcheck", description="Compliance gate and live probes for the TapStack Aurora template.",
        epilog="Exit codes: 0 compliant / all probes passed, 1 findings / a probe failed, "
               "2 unusable input or a missing tool.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="run the compliance gate on templates")
    check.add_argument("templates", nargs="*", metavar="TEMPLATE", help=f"templates to check (default {DEFAULT_TEMPLATE})")
    check.add_argument("--format", choices=("text", "json", "sarif", "junit"), default="text")
    check.add_argument("--output", metavar="FILE", help="write the report to FILE instead of stdout")
    check.set_defaults(func=cmd_check)

    score = sub.add_parser("score", help="mutation score of the gate: mutants killed per requirement")
    score.add_argument("template", nargs="?", default=DEFAULT_TEMPLATE)
    score.add_argument("--examples", type=int, default=None, help="mutants generated per requirement")
    score.add_argument("--seed", type=int, default=None)
    score.set_defaults(func=cmd_score)

    tools = sub.add_parser("install-tools", help="fetch the pinned cfn-guard and Control Tower rules (PyPI)",
                           description="Fetch cfn-guard and the Control Tower rules (PyPI wheel "
                                       "cdklabs-cdk-validator-cfnguard, checked against a pinned hash) into the "
                                       "user cache. `tapcheck check` does this by itself on first use.")
    tools.add_argument("--into", metavar="DIR", help="install into DIR instead of the user cache")
    tools.add_argument("--keep-wheel", action="store_true", help="keep the downloaded wheel in DIR/wheels/")
    tools.set_defaults(func=cmd_install_tools)

    listing = sub.add_parser("requirements", help="list every requirement: its checks, guard rules, probes, operators")
    listing.add_argument("--format", choices=("markdown", "json"), default="markdown")
    listing.set_defaults(func=cmd_requirements)

    from tapcheck.live import commands as live_commands
    from tapcheck.plan import command as plan_command

    live_commands.register(sub)
    plan_command.register(sub)
    return parser


def cmd_check(args: argparse.Namespace) -> int:
    from tapcheck.gate import evaluate_file
    from tapcheck.report import renderer

    templates = args.templates or [DEFAULT_TEMPLATE]
    reports, unusable = [], False
    for template in templates:
        try:
            reports.append(evaluate_file(template))
        except UsageError as error:
            unusable = True
            print(error.line(), file=sys.stderr)
    if reports:
        text = renderer(args.format)(reports)
        if args.output:
            try:
                Path(args.output).write_text(text)
            except OSError as exc:
                raise UsageError(args.output, f"cannot write the report: {exc.strerror or exc}",
                                 "choose a writable --output path") from None
        else:
            sys.stdout.write(text)
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_OK if all(r.compliant for r in reports) else EXIT_FINDINGS


def cmd_install_tools(args: argparse.Namespace) -> int:
    from tapcheck.tools.guard.locate import find_binary
    from tapcheck.tools.guard.provision import install_tools

    package = install_tools(Path(args.into) if args.into else None, keep_wheel=args.keep_wheel)
    print(f"cfn-guard and the Control Tower rules: {package}")
    if args.into is None:
        print(f"cfn-guard in use: {find_binary()}")
    return EXIT_OK


def cmd_requirements(args: argparse.Namespace) -> int:
    from tapcheck.requirements.catalogue import catalogue, markdown

    if args.format == "json":
        import json

        sys.stdout.write(json.dumps(catalogue(), indent=2) + "\n")
    else:
        sys.stdout.write(markdown(catalogue()))
    return EXIT_OK


def cmd_score(args: argparse.Namespace) -> int:
    from tapcheck.mutation.score import main as score_main

    return score_main(args)


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except UsageError as error:
        print(error.line(), file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("tapcheck: interrupted", file=sys.stderr)
        return EXIT_UNUSABLE
    except RecursionError:
        print("tapcheck: input nested too deeply to process (fix: flatten the template)", file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as exc:  # a bug of ours: one line, the traceback only on request
        if os.environ.get("TAPCHECK_DEBUG"):
            raise
        print(f"tapcheck: internal error: {type(exc).__name__}: {exc} "
              "(fix: rerun with TAPCHECK_DEBUG=1 and report the traceback)", file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
