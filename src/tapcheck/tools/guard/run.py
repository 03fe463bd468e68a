"""Running `cfn-guard validate` once and reading its structured JSON report."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tapcheck.errors import UsageError
from tapcheck.tools.guard.locate import find_binary, install_fix
from tapcheck.tools.guard.parse import failures

# cfn-guard silently skips a data file whose name ends otherwise (exit 0, no output).
DATA_SUFFIXES = {".json", ".jsn", ".yaml", ".yml", ".template"}
EXIT_COMPLIANT, EXIT_NON_COMPLIANT = 0, 19
TIMEOUT_SECONDS = 60


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
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise UsageError(
                label,
                f"cfn-guard did not finish within {TIMEOUT_SECONDS} s",
                "check the template's size and the guard rules",
            ) from None
        except OSError as exc:
            raise UsageError(binary, f"cannot run cfn-guard: {exc.strerror or exc}", install_fix()) from None
    if done.returncode < 0:  # killed by a signal: a stack overflow, say
        raise UsageError(
            label,
            f"cfn-guard crashed on it (signal {-done.returncode})",
            "check the template is a CloudFormation template of sane nesting depth",
        )
    if done.returncode not in (EXIT_COMPLIANT, EXIT_NON_COMPLIANT):
        problem = _first_line(done.stderr) or _first_line(done.stdout) or f"exit code {done.returncode}"
        if "parsing data file" in problem:
            raise UsageError(label, f"cfn-guard cannot parse it: {problem}", "fix the JSON or YAML syntax")
        raise UsageError(
            "cfn-guard",
            f"failed (exit {done.returncode}): {problem}",
            "run `cfn-guard test -d rules/` and check the rules it names",
        )
    try:
        reports = json.loads(done.stdout)
    except ValueError:
        raise UsageError(
            "cfn-guard",
            f"printed output that is not JSON: {_first_line(done.stdout)!r}",
            "use cfn-guard 3.x (scripts/bootstrap.sh installs 3.1.1)",
        ) from None
    if isinstance(reports, dict):
        reports = [reports]
    if not isinstance(reports, list) or not reports:
        raise UsageError(label, "cfn-guard evaluated nothing", "pass a .json, .yaml or .template file")
    if done.returncode == EXIT_NON_COMPLIANT and not any(failures(r) for r in reports):
        raise UsageError(
            "cfn-guard",
            "reported non-compliance that tapcheck cannot read",
            "use cfn-guard 3.1.1 (scripts/bootstrap.sh)",
        )
    return reports


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""
