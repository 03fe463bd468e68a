"""cfn-guard, run as a subprocess: the project's rules (rules/) and AWS Control Tower's controls.

One `cfn-guard validate` per rule pack, structured JSON output (`-o json -z`), every failed
clause mapped onto the one Finding model:

- project rules carry their requirement id in their message: `[R10] rule_name Violation: ...
  Fix: ...`, so a finding names the requirement it breaks (R10, C9, ...);
- Control Tower proactive controls are hardening requirement H6; their control id
  (`[CT.RDS.PR.3]: ...`) is the finding's rule, their severity comes from the control's
  metadata (CRITICAL/HIGH -> error, MEDIUM/LOW -> warning: both block unless waived).

Only the Control Tower controls that evaluate a resource type present in the template are
passed to cfn-guard (picked by the `EvaluatedResourceTypes` of their metadata).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from tapcheck.errors import UsageError
from tapcheck.findings import Finding, Severity

NPM_PACKAGE = "@cdklabs/cdk-validator-cfnguard"
NPM_VERSION = "0.0.62"                 # ships cfn-guard 3.1.1 and the Control Tower rules
PACKAGE_DIR = Path(".tools") / f"cdk-validator-cfnguard-{NPM_VERSION}" / "package"
ENV_BINARY = "TAPCHECK_CFN_GUARD"
CONTROL_TOWER_REQUIREMENT = "H6"

# cfn-guard silently skips a data file whose name ends otherwise (exit 0, no output).
DATA_SUFFIXES = {".json", ".jsn", ".yaml", ".yml", ".template"}
EXIT_COMPLIANT, EXIT_NON_COMPLIANT = 0, 19
TIMEOUT_SECONDS = 60

_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}
_REQUIREMENT_ID = re.compile(r"\[([A-Z]{1,2}\d+)\]")
_CONTROL_ID = re.compile(r"\[(CT\.[A-Z0-9]+\.PR\.\d+)\]")
_RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
_LINE = re.compile(r"\[L:(\d+),C:\d+\]")
_KEY = re.compile(r"[A-Za-z0-9_.\-]+")


# --- where things are -------------------------------------------------------------------------

def project_root() -> Path | None:
    """The checkout this module runs from (or the current directory's): it holds rules/."""
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for directory in (start, *start.parents):
            if (directory / "rules").is_dir() and (directory / "pyproject.toml").is_file():
                return directory
    return None


def rules_dir() -> Path:
    """rules/ of the checkout, else the copy installed inside the package (pip, pre-commit)."""
    root = project_root()
    if root is not None:
        return root / "rules"
    installed = Path(__file__).resolve().parent.parent / "rules"
    if installed.is_dir():
        return installed
    raise UsageError("rules/", "the project's guard rules cannot be found",
                     "reinstall tapcheck, or run it from the tapcheck checkout (the folder holding rules/)")


def tools_cache() -> Path:
    """Where `tapcheck install-tools` unpacks cfn-guard when there is no checkout (pre-commit)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tapcheck"


def install_tools() -> Path:
    """npm pack the pinned package into the tools cache; its package directory."""
    target = tools_cache() / PACKAGE_DIR.relative_to(".tools")
    if (target / "bin").is_dir():
        return target
    npm = shutil.which("npm")
    if npm is None:
        raise UsageError("npm", "not installed", "apt-get install -y nodejs npm, then rerun tapcheck install-tools")
    with tempfile.TemporaryDirectory(prefix="tapcheck-npm-") as scratch:
        done = subprocess.run([npm, "pack", "--silent", f"{NPM_PACKAGE}@{NPM_VERSION}"], cwd=scratch,
                              capture_output=True, text=True, timeout=300)
        tarballs = list(Path(scratch).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise UsageError("npm", f"npm pack {NPM_PACKAGE}@{NPM_VERSION} failed: {_first_line(done.stderr)}",
                             "check access to the npm registry")
        import tarfile

        target.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarballs[0]) as archive:
            archive.extractall(target.parent, filter="tar")
    return target


def _install_fix() -> str:
    fix = (f"run scripts/bootstrap.sh in the checkout, or tapcheck install-tools "
           f"(both npm pack {NPM_PACKAGE}@{NPM_VERSION})")
    if shutil.which("npm") is None:
        fix = f"apt-get install -y nodejs npm, then {fix}"
    return fix


def _package_dir() -> Path | None:
    root = project_root()
    for base in filter(None, (root, Path.cwd())):
        if (base / PACKAGE_DIR).is_dir():
            return base / PACKAGE_DIR
    cached = tools_cache() / PACKAGE_DIR.relative_to(".tools")
    return cached if cached.is_dir() else None


def find_binary() -> str:
    """TAPCHECK_CFN_GUARD, else the pinned npm package's binary for this CPU, else PATH."""
    configured = os.environ.get(ENV_BINARY)
    if configured:
        if os.path.isfile(configured) and os.access(configured, os.X_OK):
            return configured
        raise UsageError("cfn-guard", f"not installed at {configured} ({ENV_BINARY})",
                         f"unset {ENV_BINARY} or point it at a cfn-guard 3.x binary; {_install_fix()}")
    package = _package_dir()
    arch = _ARCHITECTURES.get(platform.machine().lower())
    if package is not None and arch is not None:
        candidate = package / "bin" / "ubuntu" / arch / "cfn-guard"
        if candidate.is_file():
            if not os.access(candidate, os.X_OK):
                raise UsageError(str(candidate), "is not executable", f"chmod +x {candidate}")
            return str(candidate)
    on_path = shutil.which("cfn-guard")
    if on_path:
        return on_path
    raise UsageError("cfn-guard", "not installed", _install_fix())


cfn_guard_binary = find_binary


def control_tower_dir() -> Path:
    package = _package_dir()
    rules = package / "rules" / "control-tower" if package else None
    if rules is None or not (rules / "cfn-guard").is_dir():
        raise UsageError("cfn-guard", "the Control Tower guard rules are not installed", _install_fix())
    return rules


# --- Control Tower control metadata ---------------------------------------------------------

@dataclass(frozen=True)
class Control:
    id: str                     # CT.RDS.PR.3
    rule_file: str              # .../cfn-guard/rds/ct-rds-pr-3.guard
    display_name: str
    remediation: str
    severity: str               # CRITICAL | HIGH | MEDIUM | LOW
    resource_types: frozenset


@lru_cache(maxsize=4)
def controls(root: str) -> dict[str, Control]:
    """Every control with a rule file, by id, read from its metadata JSON."""
    base = Path(root)
    found: dict[str, Control] = {}
    for rule_file in sorted((base / "cfn-guard").glob("*/*.guard")):
        service = rule_file.parent.name
        metadata_file = base / "metadata" / service / f"{rule_file.stem}.metadata.json"
        try:
            metadata = json.loads(metadata_file.read_text())
        except (OSError, ValueError):
            metadata = {}
        control_id = metadata.get("Id") or rule_file.stem.upper().replace("-", ".")
        found[control_id] = Control(
            id=control_id, rule_file=str(rule_file),
            display_name=metadata.get("DisplayName", ""),
            remediation=metadata.get("RemediationMessage", ""),
            severity=str(metadata.get("Severity", "HIGH")).upper(),
            # without metadata a control is run on every template (it SKIPs what it does not cover)
            resource_types=frozenset(metadata.get("EvaluatedResourceTypes") or ["*"]),
        )
    return found


def resource_types_in(text: str) -> set[str]:
    """Every AWS resource type named in the template: a superset of its resources' types,
    which is safe, since a control over an absent type only SKIPs."""
    return set(_RESOURCE_TYPE.findall(text))


# --- running cfn-guard ---------------------------------------------------------------------------

def validate(rule_paths: list[str], template_path: str) -> list[dict]:
    """One `cfn-guard validate` run; its per-file reports (structured JSON)."""
    binary = find_binary()
    label = str(template_path)
    if not os.path.isfile(template_path):
        raise UsageError(label, "no such file", "pass the path of a CloudFormation template")
    with tempfile.TemporaryDirectory(prefix="tapcheck-guard-") as scratch:
        data = str(template_path)
        if Path(data).suffix.lower() not in DATA_SUFFIXES:
            data = os.path.join(scratch, "template.template")
            shutil.copyfile(template_path, data)
        command = [binary, "validate", "-o", "json", "-S", "none", "-z", "-d", data]
        for rule_path in rule_paths:
            command += ["-r", str(rule_path)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise UsageError(label, f"cfn-guard did not finish within {TIMEOUT_SECONDS} s",
                             "check the template's size and the guard rules") from None
        except OSError as exc:
            raise UsageError(binary, f"cannot run cfn-guard: {exc.strerror or exc}", _install_fix()) from None
    if done.returncode < 0:                       # killed by a signal: a stack overflow, say
        raise UsageError(label, f"cfn-guard crashed on it (signal {-done.returncode})",
                         "check the template is a CloudFormation template of sane nesting depth")
    if done.returncode not in (EXIT_COMPLIANT, EXIT_NON_COMPLIANT):
        problem = _first_line(done.stderr) or _first_line(done.stdout) or f"exit code {done.returncode}"
        if "parsing data file" in problem:
            raise UsageError(label, f"cfn-guard cannot parse it: {problem}", "fix the JSON or YAML syntax")
        raise UsageError("cfn-guard", f"failed (exit {done.returncode}): {problem}",
                         "run `cfn-guard test -d rules/` and check the rules it names")
    try:
        reports = json.loads(done.stdout)
    except ValueError:
        raise UsageError("cfn-guard", f"printed output that is not JSON: {_first_line(done.stdout)!r}",
                         "use cfn-guard 3.x (scripts/bootstrap.sh installs 3.1.1)") from None
    if isinstance(reports, dict):
        reports = [reports]
    if not isinstance(reports, list) or not reports:
        raise UsageError(label, "cfn-guard evaluated nothing", "pass a .json, .yaml or .template file")
    if done.returncode == EXIT_NON_COMPLIANT and not any(failures(r) for r in reports):
        raise UsageError("cfn-guard", "reported non-compliance that tapcheck cannot read",
                         "use cfn-guard 3.1.1 (scripts/bootstrap.sh)")
    return reports


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


# --- reading cfn-guard's structured report -----------------------------------------------------

@dataclass(frozen=True)
class GuardFailure:
    rule: str           # the named rule that failed
    message: str        # the custom message of the failing clause (or of its enclosing rule)
    path: str           # JSON pointer of the value at fault
    line: int | None    # 1-based line in the template, when cfn-guard knew it


def failures(report: Any) -> list[GuardFailure]:
    found: list[GuardFailure] = []
    if not isinstance(report, dict):
        return found
    for entry in report.get("not_compliant") or []:
        rule = entry.get("Rule") if isinstance(entry, dict) else None
        if not isinstance(rule, dict):
            continue
        name = str(rule.get("name") or "")
        leaves = list(_leaves({"Rule": rule}, ""))
        if not leaves:
            leaves = [(_custom(rule), "", None)]
        found += [GuardFailure(name, message, path, line) for message, path, line in leaves]
    return found


def _custom(node: Any) -> str:
    messages = node.get("messages") if isinstance(node, dict) else None
    text = messages.get("custom_message") if isinstance(messages, dict) else None
    if not text:
        return ""
    text = str(text)
    if text.startswith(";"):      # cfn-guard 3.1.1 joins a message's lines with ";" in some reports
        text = text.replace(";", " ")
    return " ".join(text.split())


def _leaves(node: Any, inherited: str) -> Iterator[tuple[str, str, int | None]]:
    """(message, path, line) of every failed clause under node; a disjunction counts once."""
    if isinstance(node, list):
        for item in node:
            yield from _leaves(item, inherited)
        return
    if not isinstance(node, dict):
        return
    if "Rule" in node and isinstance(node["Rule"], dict):
        rule = node["Rule"]
        yield from _leaves(rule.get("checks") or [], _custom(rule) or inherited)
    elif "Disjunctions" in node:
        inner = list(_leaves((node["Disjunctions"] or {}).get("checks") or [], ""))
        message = next((m for m, _, _ in inner if m), inherited)
        path = next((p for _, p, _ in inner if p), "")
        line = next((n for _, _, n in inner if n), None)
        yield message, path, line
    elif "Clause" in node or "Block" in node:
        clause = node.get("Clause") or node.get("Block") or {}
        if isinstance(clause, dict) and len(clause) == 1 and isinstance(next(iter(clause.values())), dict):
            clause = next(iter(clause.values()))      # Binary | Unary | ...
        yield _custom(clause) or inherited, _path(clause), _line(clause)
    else:  # a node kind this version does not know: keep the failure, never drop it
        yield inherited, _path(node), _line(node)


def _path(node: Any) -> str:
    """The JSON pointer of the first value the failed check looked at."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            reached = item.get("traversed_to")
            if isinstance(reached, dict) and isinstance(reached.get("path"), str):
                path = reached["path"]
                value, key = reached.get("value"), _KEY.match(str(item.get("remaining_query") or ""))
                if key and isinstance(value, dict):
                    # the missing key: "Tags" of "Tags. (filter-clauses)", "rds.force_ssl" whole
                    path = f"{path}/{key.group(0).rstrip('.')}"
                return path
            if isinstance(item.get("path"), str) and item["path"].startswith("/"):
                return item["path"]
            stack.extend(reversed([v for v in item.values() if isinstance(v, (dict, list))]))
        elif isinstance(item, list):
            stack.extend(reversed(item))
    return ""


def _line(node: Any) -> int | None:
    messages = node.get("messages") if isinstance(node, dict) else None
    text = str((messages or {}).get("error_message") or "") if isinstance(messages, dict) else ""
    for match in _LINE.finditer(text):
        if int(match.group(1)) > 0:
            return int(match.group(1)) + 1      # cfn-guard counts lines from 0
    return None


def _resource(path: str) -> str | None:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "Resources" and parts[2] else None


def _after(text: str, label: str, stop: str | None = None) -> str:
    start = text.find(label)
    if start < 0:
        return ""
    rest = text[start + len(label):]
    if stop and stop in rest:
        rest = rest[:rest.index(stop)]
    return rest.strip()


# --- the two packs ---------------------------------------------------------------------------

_HEADER_REQUIREMENT = re.compile(r"^# Requirement:\s*\n#\s+([A-Z]{1,2}\d+)", re.M)
_RULE_NAME = re.compile(r"^rule\s+(\w+)", re.M)


def rule_requirements(directory: Path) -> dict[str, str]:
    """Rule name -> the requirement its file's header names (for a message without an id)."""
    found: dict[str, str] = {}
    for rule_file in directory.rglob("*.guard"):
        text = rule_file.read_text(encoding="utf-8", errors="replace")
        header = _HEADER_REQUIREMENT.search(text)
        for name in _RULE_NAME.findall(text):
            if header:
                found[name] = header.group(1)
    return found


def run_project_rules(template_path: str) -> list[Finding]:
    """The guard rules of rules/ (one cfn-guard run over the whole directory)."""
    directory = rules_dir()
    headers = rule_requirements(directory)
    if not headers and not any(directory.rglob("*.guard")):
        raise UsageError(str(directory), "holds no .guard rules", "restore rules/ from the repository")
    findings: list[Finding] = []
    seen: set = set()
    for report in validate([str(directory)], template_path):
        for failure in failures(report):
            text = failure.message
            requirement = _REQUIREMENT_ID.search(text)
            message = _after(text, "Violation:", "Fix:") or text or f"guard rule {failure.rule} failed"
            fix = _after(text, "Fix:") or f"see rules/**/{failure.rule}.guard"
            resource = _resource(failure.path)
            key = (failure.rule, resource, message)
            if key in seen:
                continue
            seen.add(key)
            findings.append(Finding(
                requirement=requirement.group(1) if requirement else headers.get(failure.rule, "unmapped"),
                rule=failure.rule, resource=resource, path=failure.path,
                message=message, fix=fix, severity=Severity.ERROR, source="cfn-guard",
                file=str(template_path), line=failure.line,
            ))
    return findings


def run_control_tower(template_path: str) -> list[Finding]:
    """The Control Tower proactive controls over the resource types the template uses."""
    base = control_tower_dir()
    catalogue = controls(str(base))
    try:
        types = resource_types_in(Path(template_path).read_text(encoding="utf-8-sig", errors="replace"))
    except OSError as exc:
        raise UsageError(str(template_path), f"cannot be read: {exc.strerror or exc}",
                         "check the file's permissions") from None
    selected = [c.rule_file for c in catalogue.values() if "*" in c.resource_types or c.resource_types & types]
    if not selected:
        return []
    findings: list[Finding] = []
    seen: set = set()
    for report in validate(selected, template_path):
        for failure in failures(report):
            found = _CONTROL_ID.search(failure.message)
            control = catalogue.get(found.group(1)) if found else None
            control_id = found.group(1) if found else failure.rule
            resource = _resource(failure.path)
            key = (control_id, resource)
            if key in seen:
                continue
            seen.add(key)
            text = re.sub(r"^\[[^\]]*\]:?\s*", "", failure.message)
            message = (control.display_name if control and control.display_name
                       else text.split("[FIX]")[0].strip() or f"Control Tower rule {failure.rule} failed")
            fix = _after(failure.message, "[FIX]:") or (control.remediation if control else "")
            severity = control.severity if control else "HIGH"
            findings.append(Finding(
                requirement=CONTROL_TOWER_REQUIREMENT, rule=control_id, resource=resource,
                path=failure.path, message=f"{message} ({severity})", fix=fix,
                severity=Severity.ERROR if severity in ("CRITICAL", "HIGH") else Severity.WARNING,
                source="control-tower", file=str(template_path), line=failure.line,
            ))
    return findings
