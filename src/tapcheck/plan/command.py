"""`tapcheck plan [OLD] NEW`: what an edit of the template does to the running stack.

Exit codes: 0 no change carries data-loss, update-fails or credentials-diverge (or each such
change is allowed with --allow); 1 one does (named); 2 unusable input (one line).
"""

from __future__ import annotations

import argparse
import os
import sys

from tapcheck.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, UsageError

ALLOW_ENV = "TAPCHECK_PLAN_ALLOW"


def register(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser(
        "plan", help="what a template edit does to the running stack: replacements, data loss, failing updates",
        description="Compare two versions of a template as CloudFormation would. With one path, the old version "
                    "is the file at git HEAD (new files count as all-new).")
    plan.add_argument("paths", nargs="+", metavar="PATH", help="[OLD] NEW, or with --head any number of NEW files")
    plan.add_argument("--head", action="store_true",
                      help="compare every PATH with its version at git HEAD (the pre-commit hook uses this)")
    plan.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                      help="a stack parameter value, used for both versions (beats the Default)")
    plan.add_argument("--allow", action="append", default=[], metavar="RESOURCE",
                      help=f"accept the blocking risks of this resource's change, visibly "
                           f"(also from ${ALLOW_ENV}, comma-separated)")
    plan.add_argument("--format", choices=("text", "json", "junit", "markdown"), default="text",
                      help="text (default), json (docs/plan.md), junit (one test case per resource change, "
                           "failed when it blocks) or markdown (a pipeline's job summary)")
    plan.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    plan.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tapcheck.output import write
    from tapcheck.plan import render
    from tapcheck.plan.planner import Allow, make_plan
    from tapcheck.plan.sources import from_file, from_head
    from tapcheck.report import live

    parameters = _parameters(args.param)
    allows = [Allow(name, f"--allow {name}") for name in args.allow if name.strip()]
    allows += [Allow(name.strip(), f"{ALLOW_ENV}={name.strip()}")
               for name in os.environ.get(ALLOW_ENV, "").replace(" ", ",").split(",") if name.strip()]

    if args.head or len(args.paths) == 1:
        pairs = [(lambda path=path: from_head(path), path) for path in args.paths]
    elif len(args.paths) == 2:
        pairs = [(lambda: from_file(args.paths[0]), args.paths[1])]
    else:
        raise UsageError("plan", f"takes [OLD] NEW, got {len(args.paths)} paths",
                         "compare several files with their committed versions: tapcheck plan --head FILE...")

    versions, unusable = [], False
    for load_old, new_path in pairs:
        try:
            new = from_file(new_path)
            versions.append((load_old(), new))
        except UsageError as error:
            unusable = True
            print(error.line(), file=sys.stderr)
    if not versions:
        return EXIT_UNUSABLE
    _check_names(versions, parameters, allows)

    plans = [make_plan(old, new, parameters, allows) for old, new in versions]
    renderers = {"text": render.text, "json": render.json_text, "markdown": render.markdown,
                 "junit": lambda plans: live.junit(render.as_report(plans))}
    write(renderers[args.format](plans), args.output)
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_OK if all(p.safe for p in plans) else EXIT_FINDINGS


def _parameters(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError("--param", f"{pair!r} is not KEY=VALUE", "write --param EnvironmentSuffix=prod")
        values[key.strip()] = value
    return values


def _check_names(versions: list, parameters: dict[str, str], allows: list) -> None:
    trees = [v.tree for pair in versions for v in pair if v.tree is not None]
    declared = {str(name) for tree in trees for name in (tree.get("Parameters") or {})}
    for key in parameters:
        if key not in declared:
            raise UsageError("--param", f"{key} is not a parameter of the template",
                             f"use one of: {', '.join(sorted(declared)) or '(the template declares none)'}")
    resources = {str(name) for tree in trees for name in (tree.get("Resources") or {})}
    for allow in allows:
        if allow.resource not in resources:
            raise UsageError(allow.source, f"names no resource of the template ({allow.resource})",
                             "give the logical id of the resource whose change you intend")
