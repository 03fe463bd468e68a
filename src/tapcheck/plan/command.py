"""`tapcheck plan [OLD] NEW`: what an edit of the template does to the running stack.

Exit codes: 0 no change carries data-loss, update-fails or credentials-diverge (or each such
change is allowed: .tapcheck-allow.yaml, --allow); 1 one does (named); 2 unusable input (one line).
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial

from tapcheck.errors import EXIT_FINDINGS, EXIT_OK, EXIT_UNUSABLE, UsageError

ALLOW_ENV = "TAPCHECK_PLAN_ALLOW"


ALLOW_HINT = (
    "allow an intended change in .tapcheck-allow.yaml (resource, reason; docs/plan.md: Allowing a change), "
    "or for one run with --allow RESOURCE"
)


def register(sub: argparse._SubParsersAction) -> None:
    plan = sub.add_parser(
        "plan",
        help="what a template edit does to the running stack: replacements, data loss, failing updates",
        description="Compare two versions of a template as CloudFormation would. With one path, the old version "
        "is the file at git HEAD (new files count as all-new). With --head or --base and no path: the "
        "templates the project configuration governs (README: Project configuration). Intended "
        "blocking changes are allowed in .tapcheck-allow.yaml (docs/plan.md).",
    )
    plan.add_argument(
        "paths", nargs="*", metavar="PATH", help="[OLD] NEW, or with --head/--base any number of NEW files"
    )
    plan.add_argument(
        "--head",
        action="store_true",
        help="compare every PATH with its version at git HEAD (the pre-commit hook uses this)",
    )
    plan.add_argument(
        "--base",
        metavar="REF",
        help="compare every PATH with its version at git REF, e.g. origin/main in a pull request's job "
        "(a template REF does not have is new: every resource is an add)",
    )
    plan.add_argument(
        "--only-governed",
        action="store_true",
        help="the paths are candidates (the pre-commit hook's mode): plan those the requirements "
        "govern, skip and name every other file, as `tapcheck check --only-governed` does",
    )
    plan.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a stack parameter value, used for both versions (beats the Default)",
    )
    plan.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="RESOURCE",
        help="accept the blocking risks of this resource's change for this run, visibly (to allow it "
        "wherever the plan runs, in the hook and the workflow too: .tapcheck-allow.yaml)",
    )
    plan.add_argument(
        "--format",
        choices=("text", "json", "junit", "markdown"),
        default="text",
        help="text (default), json (docs/plan.md), junit (one test case per resource change, "
        "failed when it blocks) or markdown (a pipeline's job summary)",
    )
    plan.add_argument("--output", metavar="FILE", help="write the report here instead of standard output")
    plan.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tapcheck.output import write
    from tapcheck.plan.sources import from_file, from_rev

    parameters = _parameters(args.param)
    command_allows = _command_allows(args.allow)
    entries = _allow_entries()

    one_version = args.head or args.base or args.only_governed
    if args.head and args.base:
        raise UsageError("plan", "--head and --base both name the old version", "give one of them")
    if one_version or len(args.paths) == 1:
        rev = args.base or "HEAD"
        paths, unusable = _selected(args)
        if not paths:
            return EXIT_UNUSABLE if unusable else EXIT_OK
        pairs = [(partial(from_rev, path, rev), path) for path in paths]
    elif len(args.paths) == 2:
        unusable = False
        pairs = [(partial(from_file, args.paths[0]), args.paths[1])]
    elif not args.paths:
        raise UsageError("plan", "names no template", "give [OLD] NEW, or --head / --base (the governed templates)")
    else:
        raise UsageError(
            "plan",
            f"takes [OLD] NEW, got {len(args.paths)} paths",
            "compare several files with their committed versions: tapcheck plan --head FILE...",
        )

    versions = []
    for load_old, new_path in pairs:
        try:
            new = from_file(new_path)
            versions.append((load_old(), new, new_path))
        except UsageError as error:
            unusable = True
            print(error.line(), file=sys.stderr)
    if not versions:
        return EXIT_UNUSABLE
    _check_names([(old, new) for old, new, _ in versions], parameters, command_allows)
    from tapcheck.plan import render
    from tapcheck.plan.planner import make_plan
    from tapcheck.report import live

    plans = []
    for old, new, path in versions:
        allows = command_allows + _file_allows(entries, path, old, new)
        plan = make_plan(old, new, parameters, allows)
        plan.allow_hint = ALLOW_HINT
        plans.append(plan)
    renderers = {
        "text": render.text,
        "json": render.json_text,
        "markdown": render.markdown,
        "junit": lambda plans: live.junit(render.as_report(plans)),
    }
    write(renderers[args.format](plans), args.output)
    if unusable:
        return EXIT_UNUSABLE
    return EXIT_OK if all(p.safe for p in plans) else EXIT_FINDINGS


def _selected(args: argparse.Namespace) -> tuple[list[str], bool]:
    """The templates to plan against a git revision: the paths given (with --only-governed, those governed,
    the others skipped and named, as the gate's hook does), or the governed templates; and whether any
    path was unusable."""
    from tapcheck.governed import select
    from tapcheck.project import resolve

    if not args.paths and not (args.head or args.base):
        raise UsageError("plan", "names no template", "give [OLD] NEW, or --head / --base (the governed templates)")
    selection = select(args.paths, resolve(None, False, None, None), args.only_governed, args.only_governed)
    for path, why in selection.skipped:
        print(f"tapcheck: skipped {path}: {why}", file=sys.stderr)
    for note in selection.notes:
        print(note, file=sys.stderr)
    for problem in selection.problems:
        print(problem.line(), file=sys.stderr)
    return selection.templates, bool(selection.problems)


def _command_allows(names: list[str]) -> list:
    from tapcheck.plan.planner import Allow

    allows = [Allow(name.strip(), f"--allow {name.strip()}") for name in names if name.strip()]
    # kept from before .tapcheck-allow.yaml: one commit's allow through the environment
    allows += [
        Allow(name.strip(), f"{ALLOW_ENV}={name.strip()}")
        for name in os.environ.get(ALLOW_ENV, "").replace(" ", ",").split(",")
        if name.strip()
    ]
    return allows


def _allow_entries() -> list:
    from tapcheck.plan import allow_file

    found = allow_file.find()
    return allow_file.load(found) if found is not None else []


def _file_allows(entries: list, path: str, old, new) -> list:
    """The entries of .tapcheck-allow.yaml that speak about this template: those whose `template`
    matches it, and those without one whose resource it has (an entry for another template's
    resource is not reported as unused here)."""
    from tapcheck.plan.planner import Allow

    resources = {
        str(name)
        for version in (old, new)
        if version.tree is not None
        for name in (version.tree.get("Resources") or {})
    }
    return [
        Allow(e.resource, e.source())
        for e in entries
        if (e.templates is not None and e.applies_to(path)) or (e.templates is None and e.resource in resources)
    ]


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
            raise UsageError(
                "--param",
                f"{key} is not a parameter of the template",
                f"use one of: {', '.join(sorted(declared)) or '(the template declares none)'}",
            )
    resources = {str(name) for tree in trees for name in (tree.get("Resources") or {})}
    for allow in allows:
        if allow.resource not in resources:
            raise UsageError(
                allow.source,
                f"names no resource of the template ({allow.resource})",
                "give the logical id of the resource whose change you intend",
            )
