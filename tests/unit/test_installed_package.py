"""An installed tapcheck (pip install of the package, not editable) run inside a user's repository
gives the checkout's verdict: the repository's own rules/, waivers, pyproject.toml, .cfnlintrc
and ~/.cfnlintrc change nothing; cfn-guard is provisioned on first use with Python alone.

The package is built and installed by pip from this checkout (no build isolation, no index:
offline); cfn-guard comes from the real PyPI wheel that scripts/bootstrap.sh keeps in
.tools/wheels/, through pip's own options."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from source_copy import copy_sources

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
WHEELS = ROOT / ".tools" / "wheels"

# What the user's repository holds that an installed tapcheck must not pick up.
USER_FILES = {
    # a guard rule that fails on the compliant template (its alarm has actions)
    "rules/alarm_without_actions.guard": """
rule alarm_without_actions {
    Resources.*[ Type == "AWS::CloudWatch::Alarm" ].Properties.AlarmActions empty
}
""",
    # a waivers file and a requirement folder that would break tapcheck if it read them
    "rules/waivers.yaml": "waivers: [1, 2]\n",
    "rules/r99_fake/requirement.toml": 'id = "R99"\ntitle = "fake"\nspec = "fake"\nchecks = ["nothing"]\n',
    "pyproject.toml": '[project]\nname = "userapp"\nversion = "1.0"\n\n[tool.black]\nline-length = 100\n',
    # cfn-lint, were it to read this, would report nothing at all, in another region
    ".cfnlintrc": "ignore_checks:\n  - E\n  - W\n  - I\nregions:\n  - eu-west-1\n",
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    assert (WHEELS / "cdklabs_cdk_validator_cfnguard-0.0.62-py3-none-any.whl").is_file(), (
        "scripts/bootstrap.sh keeps the cfn-guard wheel in .tools/wheels/: run it"
    )
    base = tmp_path_factory.mktemp("installed")
    source = copy_sources(base)
    site = base / "site"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    assert (site / "tapcheck" / "rules" / "r04_backups" / "requirement.toml").is_file()
    home = base / "home"
    home.mkdir()
    (home / ".cfnlintrc").write_text("ignore_checks:\n  - E\n  - W\n")
    env = {
        **os.environ,
        "PYTHONPATH": str(site),
        "XDG_CACHE_HOME": str(base / "cache"),
        "HOME": str(home),
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(WHEELS),
    }
    for name in ("TAPCHECK_CFN_GUARD", "TAPCHECK_WAIVERS", "TAPCHECK_NO_DOWNLOAD"):
        env.pop(name, None)
    return {"site": site, "env": env, "cache": base / "cache"}


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory) -> Path:
    repo = tmp_path_factory.mktemp("user-repo")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for name, text in USER_FILES.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    (repo / "lib").mkdir()
    (repo / "lib" / "TapStack.json").write_text(TEMPLATE.read_text())
    broken = json.loads(TEMPLATE.read_text())
    broken["Description"] = ["not", "a", "string"]  # cfn-lint E1004: S8 fails
    alarm = broken["Resources"]["CPUUtilizationAlarm"]["Properties"]
    alarm["Tags"] = [t for t in alarm["Tags"] if t["Key"] != "ManagedBy"]  # R10 fails
    (repo / "lib" / "broken.json").write_text(json.dumps(broken, indent=2))
    return repo


def verdict(report: dict) -> tuple:
    blocking = sorted(
        (f["rule"], f["resource"] or "", f["path"], tuple(f["requirements"]))
        for f in report["findings"]
        if f["severity"] != "info" and not f["waived_by"]
    )
    return report["compliant"], {r["id"]: r["status"] for r in report["requirements"]}, blocking


def test_the_installed_package_gives_the_checkouts_verdict(installed, user_repo):
    where = subprocess.run(
        [sys.executable, "-c", "import tapcheck; print(tapcheck.__file__)"],
        cwd=user_repo,
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert where.stdout.strip().startswith(str(installed["site"])), where
    args = ["check", "lib/TapStack.json", "lib/broken.json", "--format", "json"]
    run = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", *args],
        cwd=user_repo,
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert run.stderr.splitlines()[0].startswith("tapcheck: fetching cfn-guard 3.1.1"), run.stderr
    assert len(run.stderr.splitlines()) == 1  # the one progress line of the first use
    assert (installed["cache"] / "tapcheck" / "cdk-validator-cfnguard-0.0.62" / ".tapcheck-complete").is_file()

    reference = subprocess.run(
        [
            sys.executable,
            "-m",
            "tapcheck.cli",
            "check",
            str(user_repo / "lib" / "TapStack.json"),
            str(user_repo / "lib" / "broken.json"),
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert reference.returncode == 1, reference.stderr
    installed_reports = json.loads(run.stdout)["templates"]
    checkout_reports = json.loads(reference.stdout)["templates"]
    assert [verdict(r) for r in installed_reports] == [verdict(r) for r in checkout_reports]

    compliant, statuses, _ = verdict(installed_reports[0])
    assert compliant is True and "unmapped" not in statuses and "R99" not in statuses
    _, broken_statuses, blocking = verdict(installed_reports[1])
    assert {k for k, v in broken_statuses.items() if v == "fail"} == {"S8", "R10"}
    assert any(rule == "E1004" for rule, *_ in blocking)
    # the working directory's .cfnlintrc is reported, and marks the finding it would have hidden
    notes = [f for f in installed_reports[1]["findings"] if f["rule"] == "suppression.ignored"]
    assert notes and notes[0]["file"].endswith(".cfnlintrc") and notes[0]["severity"] == "info"
    [e1004] = [f for f in installed_reports[1]["findings"] if f["rule"] == "E1004"]
    assert ".cfnlintrc" in e1004["suppressed_by"]

    second = subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", "check", "lib/TapStack.json"],
        cwd=user_repo,
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert second.returncode == 0 and second.stderr == ""  # provisioned once
    assert second.stdout.startswith("config: none")
