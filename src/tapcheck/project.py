"""A project's own additions to the gate: extra cfn-guard rules, the checks they evidence, waivers.

tapcheck always runs its own requirement folders and waivers (those of the installed package,
never a `rules/` that happens to be in the current directory). A project adds to them only
explicitly, and the report header names what was added:

- options: ``--config FILE`` (a ``.tapcheck.yaml`` or a ``pyproject.toml``), ``--rules PATH``
  (repeatable), ``--waivers FILE``, ``--no-config``;
- else a config file found in the current directory or one of its parents, up to the
  repository root (the directory holding ``.git``): ``.tapcheck.yaml``, else ``pyproject.toml``
  with a ``[tool.tapcheck]`` table (a pyproject.toml without one is not a config).

Keys (paths relative to the config file)::

    templates = ["templates/db.json"]   # the templates the requirements govern (globs; governed.py)
    rules = ["policy/guard"]            # directories (searched for *.guard) or .guard files
    waivers = "policy/waivers.yaml"     # more waivers, same format and limits as tapcheck's own
    [tool.tapcheck.guard]               # (in .tapcheck.yaml: a `guard:` mapping)
    db_backups_encrypted = "storage-encrypted"   # extra rule name -> the check it evidences

A finding of an extra rule lands on the requirements of the check the `guard` table names
(`tapcheck requirements --format json` lists every check and its requirements). A rule with no
entry lands on the `unmapped` row, which fails the gate when the rule fires.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from tapcheck.errors import UsageError

YAML_NAME = ".tapcheck.yaml"
PYPROJECT = "pyproject.toml"
KEYS = ("templates", "rules", "waivers", "guard")
_RULE_NAME = re.compile(r"^\s*rule\s+([A-Za-z0-9_]+)", re.MULTILINE)
_FIX = f"write keys {', '.join(KEYS)} (see README: Project configuration)"


@dataclass(frozen=True)
class ProjectConfig:
    source: str | None = None  # the config file (None: options alone, or nothing)
    rule_files: tuple[Path, ...] = ()
    guard: dict[str, str] = field(default_factory=dict)  # extra rule name -> check id
    waivers: Path | None = None
    templates: tuple[str, ...] | None = None  # globs of the governed templates (None: not configured)
    base: Path | None = None  # the config file's directory: globs are relative to it

    @property
    def empty(self) -> bool:
        return not self.rule_files and self.waivers is None and self.templates is None

    def describe(self) -> str:
        """One line for the report header."""
        if self.source is None and self.empty:
            return "config: none (tapcheck's own rules and waivers only)"
        parts = []
        if self.templates is not None:
            parts.append(f"governs {', '.join(self.templates) or 'no template'}")
        if self.rule_files:
            mapped = sum(1 for name in self.rule_names() if name in self.guard)
            parts.append(
                f"{len(self.rule_files)} extra guard rule file(s), {mapped} of "
                f"{len(self.rule_names())} rule(s) mapped to checks"
            )
        if self.waivers is not None:
            parts.append(f"waivers {self.waivers}")
        origin = self.source or "command-line options"
        return f"config: {origin}: " + ("; ".join(parts) if parts else "adds nothing")

    def rule_names(self) -> list[str]:
        names: list[str] = []
        for file in self.rule_files:
            names += _rule_names(file)
        return names

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "templates": list(self.templates) if self.templates is not None else None,
            "rules": [str(p) for p in self.rule_files],
            "guard": dict(self.guard),
            "waivers": str(self.waivers) if self.waivers else None,
        }


def resolve(
    config_file: str | None = None,
    no_config: bool = False,
    rules: list[str] | None = None,
    waivers: str | None = None,
    start: str | os.PathLike | None = None,
) -> ProjectConfig | None:
    """The project's configuration: the config file (given, or found), then the options on top;
    None when there is neither (tapcheck's own rules and waivers only)."""
    base = ProjectConfig()
    if config_file is not None:
        base = load(Path(config_file))
    elif not no_config:
        found = find(Path(start) if start is not None else Path.cwd())
        if found is not None:
            base = load(found)
    rule_files = list(base.rule_files)
    for item in rules or []:
        rule_files += _rule_files(Path(item), f"--rules {item}")
    waivers_file = base.waivers
    if waivers is not None:
        waivers_file = Path(waivers)
        if not waivers_file.is_file():
            raise UsageError(f"--waivers {waivers}", "no such file", "pass the path of a waivers YAML file")
    config = ProjectConfig(
        base.source, tuple(dict.fromkeys(rule_files)), dict(base.guard), waivers_file, base.templates, base.base
    )
    if config.source is None and config.empty:
        return None
    _check_mapping(config, base.source or "--rules")
    return config


def find(start: Path) -> Path | None:
    """The nearest .tapcheck.yaml or pyproject.toml with [tool.tapcheck], up to the repository root."""
    directory = start.resolve()
    while True:
        candidate = directory / YAML_NAME
        if candidate.is_file():
            return candidate
        pyproject = directory / PYPROJECT
        if pyproject.is_file():
            try:
                configured = "tapcheck" in _read_toml(pyproject).get("tool", {})
            except UsageError as error:  # cannot tell whether it configures tapcheck
                raise UsageError(error.subject, error.problem, "fix it, or pass --no-config to skip looking") from None
            if configured:
                return pyproject
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def load(path: Path) -> ProjectConfig:
    label = str(path)
    if not path.is_file():
        raise UsageError(label, "no such config file", f"pass a {YAML_NAME} or a {PYPROJECT} with [tool.tapcheck]")
    if path.name.endswith(".toml"):
        table = _read_toml(path).get("tool", {}).get("tapcheck")
        if table is None:
            raise UsageError(label, "has no [tool.tapcheck] table", "add one, or pass a .tapcheck.yaml")
        source = f"{path} [tool.tapcheck]"
    else:
        table = _read_yaml(path)
        source = str(path)
    if not isinstance(table, dict):
        raise UsageError(label, "is not a mapping of tapcheck settings", _FIX)
    unknown = sorted(set(map(str, table)) - set(KEYS))
    if unknown:
        raise UsageError(label, f"has unknown keys {unknown}", _FIX)
    folder = path.resolve().parent
    rules = table.get("rules", [])
    if isinstance(rules, str):
        rules = [rules]
    if not isinstance(rules, list) or not all(isinstance(r, str) and r.strip() for r in rules):
        raise UsageError(label, "`rules` is not a list of paths", 'write rules = ["path/to/guard/rules"]')
    rule_files: list[Path] = []
    for item in rules:
        rule_files += _rule_files(folder / item, f"{label}: rules {item!r}")
    waivers = table.get("waivers")
    waivers_file = None
    if waivers is not None:
        if not isinstance(waivers, str) or not waivers.strip():
            raise UsageError(label, "`waivers` is not a path", 'write waivers = "path/to/waivers.yaml"')
        waivers_file = folder / waivers
        if not waivers_file.is_file():
            raise UsageError(
                f"{label}: waivers {waivers!r}", "no such file", "correct the path (relative to the config file)"
            )
    guard = table.get("guard", {})
    if not isinstance(guard, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in guard.items()):
        raise UsageError(
            label,
            "`guard` is not a table of rule name = check id",
            'write [tool.tapcheck.guard] my_rule = "backup-retention"',
        )
    return ProjectConfig(
        source,
        tuple(rule_files),
        {k.strip(): v.strip() for k, v in guard.items()},
        waivers_file,
        _templates(table, label),
        folder,
    )


def _templates(table: dict, label: str) -> tuple[str, ...] | None:
    if "templates" not in table:
        return None
    globs = table["templates"]
    if isinstance(globs, str):
        globs = [globs]
    example = 'write templates = ["templates/db.json", "stacks/**/aurora-*.yaml"]'
    if not isinstance(globs, list) or not all(isinstance(g, str) and g.strip() for g in globs):
        raise UsageError(label, "`templates` is not a list of paths or glob patterns", example)
    for glob in globs:
        if glob.strip().startswith("/") or ".." in Path(glob.strip()).parts:
            raise UsageError(
                f"{label}: templates {glob!r}",
                "points outside the directory of the config file",
                "write paths relative to the config file, inside the repository",
            )
    return tuple(dict.fromkeys(g.strip() for g in globs))


def _rule_files(path: Path, label: str) -> list[Path]:
    if path.is_file():
        if path.suffix != ".guard":
            raise UsageError(label, "is not a .guard file", "name a directory of .guard files or a .guard file")
        return [path.resolve()]
    if path.is_dir():
        files = sorted(p.resolve() for p in path.rglob("*.guard") if p.is_file())
        if not files:
            raise UsageError(label, "holds no .guard file", "name a directory that holds cfn-guard rules")
        return files
    raise UsageError(label, "no such file or directory", "correct the path (relative to the config file)")


def _rule_names(path: Path) -> list[str]:
    try:
        return _RULE_NAME.findall(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(str(path), f"cannot be read: {exc}", "check the rule file") from None


def _check_mapping(config: ProjectConfig, label: str) -> None:
    if not config.guard:
        return
    from tapcheck.requirements.registry import registry

    known_checks = registry().checks
    names = set(config.rule_names())
    for rule, check in config.guard.items():
        if check not in known_checks:
            raise UsageError(
                label,
                f"maps guard rule {rule!r} to {check!r}, which is not a check",
                "name a check listed by `tapcheck requirements --format json`",
            )
        if rule not in names:
            raise UsageError(
                label,
                f"maps guard rule {rule!r}, which no extra rule file defines",
                "correct the rule name or remove the entry",
            )


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise UsageError(str(path), f"cannot be read: {exc.strerror or exc}", "check the file's permissions") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(str(path), f"is not valid TOML: {exc}", "fix the TOML syntax") from None


def _read_yaml(path: Path):
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise UsageError(str(path), f"cannot be read: {exc.strerror or exc}", "check the file's permissions") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(str(path), f"is not valid YAML: {' '.join(str(exc).split())}", "fix the YAML syntax") from None
