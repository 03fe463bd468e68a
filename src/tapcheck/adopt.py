"""`tapcheck init`: a repository's starting configuration -- which templates the requirements govern --
and the pre-commit hooks that follow it.

The hooks are defined once, here (`HOOKS`); .pre-commit-hooks.yaml at the root of tapcheck's repository
carries the same entries (a test compares them).

Why the hooks take every text file (`types: [text]`, no `files:` pattern) and filter by themselves:
pre-commit hands a hook only the staged files its own `files:`/`types:` match, so a pattern in the
hook's definition decides before tapcheck can read the project configuration -- the old pattern
missed `templates/db.json` and caught unrelated `template.yaml` stacks. With every text file passed,
`--only-governed` applies one rule in both hooks (governed.py): the configuration's `templates`,
else templates that declare an AWS::RDS::DBCluster; every other file is skipped and named (pre-commit
shows a hook's output when it fails, or with `verbose: true`). The price is a tapcheck start on every
commit that stages a text file: about 0.3 s when none of the files is governed (README: Pre-commit).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tapcheck.errors import EXIT_OK, UsageError

CONFIG_NAME = ".tapcheck.yaml"
PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"

HOOKS: list[dict[str, Any]] = [
    {
        "id": "tapcheck",
        "name": "tapcheck compliance gate",
        "description": "Checks the templates the TapStack Aurora requirements govern (the project configuration's "
        "`templates`, else templates that declare an AWS::RDS::DBCluster); skips and names the rest.",
        "entry": "tapcheck check --quiet --only-governed",
        "language": "python",
        "types": ["text"],
        "require_serial": True,
    },
    {
        "id": "tapcheck-plan",
        "name": "tapcheck plan (what the staged template edit does to the running stack)",
        "description": "Compares each staged governed template with its version at git HEAD as CloudFormation would "
        "and fails on data loss, updates CloudFormation refuses, and credentials that diverge. Allow "
        "an intended change in .tapcheck-allow.yaml (docs/plan.md).",
        "entry": "tapcheck plan --head --only-governed",
        "language": "python",
        "types": ["text"],
        "require_serial": True,
    },
]


def register(sub: argparse._SubParsersAction) -> None:
    init = sub.add_parser(
        "init",
        help="write a starting .tapcheck.yaml (the governed templates) and the pre-commit hooks",
        description="In the repository holding the working directory: find the templates that declare an "
        "AWS::RDS::DBCluster, list them in .tapcheck.yaml, and write .pre-commit-config.yaml with "
        "tapcheck's two hooks (or print the lines to add when the file exists).",
    )
    init.add_argument("--force", action="store_true", help="replace an existing .tapcheck.yaml")
    init.add_argument(
        "--hook-repo",
        metavar="URL",
        help="tapcheck's repository for the hooks' `repo:` (default: where tapcheck was installed from, "
        "when that was a git URL; else `repo: local` hooks running the tapcheck on PATH)",
    )
    init.add_argument("--hook-rev", metavar="REV", help="the tag or commit for `rev:` (with --hook-repo)")
    init.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    from tapcheck.governed import declares_cluster
    from tapcheck.inputs import expand

    root = repository_root(Path.cwd())
    config = root / CONFIG_NAME
    if config.exists() and not args.force:
        raise UsageError(str(config), "exists", "edit it, or pass --force to write a new one")
    _refuse_pyproject_config(root)
    if bool(args.hook_repo) != bool(args.hook_rev):
        raise UsageError("--hook-repo/--hook-rev", "go together", "give both, or neither")

    found = expand([str(root)])
    governed: list[str] = []
    others: list[str] = []
    for path in found.templates:
        relative = Path(os.path.relpath(path, root)).as_posix()
        (governed if declares_cluster(path) else others).append(relative)
    config.write_text(config_text(governed, others))
    print(
        f"wrote {config}: governs {', '.join(governed) if governed else 'no template yet (add yours)'}"
        + (f"; not governed (no AWS::RDS::DBCluster): {', '.join(others)}" if others else "")
    )
    if not governed:
        print(
            "tapcheck: no template in this repository declares an AWS::RDS::DBCluster: list the governed "
            f"templates under `templates:` in {CONFIG_NAME}",
            file=sys.stderr,
        )

    hooks = pre_commit_text(*_hook_source(args))
    target = root / PRE_COMMIT_CONFIG
    if target.exists():
        print(f"{target} exists; add these hooks to it:\n")
        print(hooks.split("repos:\n", 1)[1].rstrip("\n"))
    else:
        target.write_text(hooks)
        print(f"wrote {target}: hooks tapcheck and tapcheck-plan (then: pre-commit install)")
    return EXIT_OK


def config_text(governed: list[str], others: list[str]) -> str:
    lines = [
        "# tapcheck's project configuration (README: Project configuration), written by `tapcheck init`.",
        "# templates: the templates the TapStack Aurora requirements govern -- paths or globs relative to",
        "# this file (`**` for any depth). `tapcheck check` (with or without paths), both pre-commit hooks,",
        "# `tapcheck plan`, `tapcheck lsp` and the workflow read it; every other file is skipped, and named.",
        "templates:" if governed else "templates: []",
    ]
    lines += [f"  - {_yaml_string(path)}" for path in governed]
    if others:
        lines.append("# Templates found that declare no AWS::RDS::DBCluster, so not governed:")
        lines += [f"#   {path}" for path in others]
    return "\n".join(lines) + "\n"


def pre_commit_text(repo: str | None, rev: str | None) -> str:
    if repo:
        return f"repos:\n  - repo: {repo}\n    rev: {rev}\n    hooks:\n" + "".join(
            f"      - id: {hook['id']}\n" for hook in HOOKS
        )
    lines = [
        "repos:",
        "  # tapcheck as installed here (language: system runs the `tapcheck` on PATH). To let pre-commit",
        "  # install it instead: `repo: <tapcheck's git URL>`, `rev: <tag>`, hooks `- id: tapcheck` and",
        "  # `- id: tapcheck-plan` (or `tapcheck init --hook-repo URL --hook-rev TAG`).",
        "  - repo: local",
        "    hooks:",
    ]
    for hook in HOOKS:
        lines += [
            f"      - id: {hook['id']}",
            f"        name: {hook['name']}",
            f"        entry: {hook['entry']}",
            "        language: system",
            f"        types: [{', '.join(hook['types'])}]",
            f"        require_serial: {'true' if hook['require_serial'] else 'false'}",
        ]
    return "\n".join(lines) + "\n"


def _hook_source(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The hooks' repo and rev: given, else the git URL tapcheck was installed from (PEP 610), else none."""
    if args.hook_repo:
        return args.hook_repo, args.hook_rev
    from tapcheck.extras import _direct_url

    origin = _direct_url() or {}
    vcs = origin.get("vcs_info")
    if vcs and vcs.get("vcs") == "git" and origin.get("url"):
        return origin["url"], vcs.get("requested_revision") or vcs.get("commit_id")
    return None, None


def repository_root(start: Path) -> Path:
    try:
        top = subprocess.run(
            ["git", "-C", str(start), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return start
    return Path(top.stdout.strip()) if top.returncode == 0 and top.stdout.strip() else start


def _refuse_pyproject_config(root: Path) -> None:
    import tomllib

    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return
    try:
        configured = "tapcheck" in tomllib.loads(pyproject.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return
    if configured:
        raise UsageError(
            str(pyproject),
            "already configures tapcheck ([tool.tapcheck])",
            'add templates = ["path/to/template.json"] to that table instead',
        )


def _yaml_string(text: str) -> str:
    import yaml

    return yaml.safe_dump(text, default_style=None).strip().removesuffix("\n...").strip()
