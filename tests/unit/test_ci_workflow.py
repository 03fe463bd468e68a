"""The shipped GitHub Actions workflow and composite action: actionlint finds nothing (and does find
a broken input, so the check can fail), and the plan job's own script writes the job summary."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "tapcheck.yml"
BIN = Path(sys.executable).parent


def actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    binary = BIN / "actionlint"
    if not binary.exists():
        pytest.fail("actionlint is missing from the environment: run scripts/bootstrap.sh")
    # actionlint runs shellcheck on every `run:` script when it is on PATH (bootstrap installs it as root)
    return subprocess.run(
        [str(binary), "-no-color", *map(str, files)], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_actionlint_passes_on_the_workflow_and_the_action_it_uses():
    run = actionlint(WORKFLOW)
    assert run.returncode == 0 and run.stdout == "", run.stdout + run.stderr
    if shutil.which("shellcheck") is None:
        print("note: shellcheck is not installed; actionlint checked the run: scripts' syntax only")


def test_actionlint_fails_a_workflow_passing_an_input_the_action_does_not_have(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / ".github", repo / ".github")
    broken = repo / ".github" / "workflows" / "tapcheck.yml"
    text = broken.read_text().replace("          output: tapcheck.sarif", "          outptu: tapcheck.sarif")
    broken.write_text(text)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    run = actionlint(broken, cwd=repo)
    assert run.returncode == 1 and 'input "outptu" is not defined' in run.stdout, run.stdout + run.stderr


def _step(job: str, name_starts: str) -> dict:
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"][job]["steps"]
    return next(s for s in steps if s.get("name", "").startswith(name_starts))


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
    )


def rename_database(template: dict) -> None:
    cluster = next(r for r in template["Resources"].values() if r["Type"] == "AWS::RDS::DBCluster")
    cluster["Properties"]["DatabaseName"] = "ledger"


def allow_the_rename(repo: Path) -> None:
    entries = [
        {"resource": name, "reason": "the database is renamed on purpose (CHG-1)"}
        for name in ("AuroraCluster", "AuroraInstance1", "AuroraInstance2")
    ]
    (repo / ".tapcheck-allow.yaml").write_text(yaml.safe_dump({"allow": entries}))


@pytest.mark.parametrize(
    "edit, allow, base_has_template, code, verdict",
    [
        (None, None, True, 0, "safe"),
        (rename_database, None, True, 1, "**NOT SAFE**"),
        (rename_database, allow_the_rename, True, 0, "safe"),  # the allow file committed in the pull request
        (rename_database, None, False, 0, "safe"),  # the base branch has no template yet: all new
    ],
)
def test_the_plan_jobs_script_writes_the_job_summary(tmp_path, edit, allow, base_has_template, code, verdict):
    """The plan job's `run:` script itself, against a base branch and an edited head, in a scratch repository."""
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True)
    template = (ROOT / "lib" / "TapStack.json").read_text()
    (repo / "README.md").write_text("app\n")
    if base_has_template:
        (repo / "lib" / "TapStack.json").write_text(template)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "base")
    _git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # what actions/checkout fetch-depth 0 gives
    head = json.loads(template)
    if edit:
        edit(head)
    (repo / "lib" / "TapStack.json").write_text(json.dumps(head, indent=2))
    if allow:
        allow(repo)
    summary = tmp_path / "summary.md"
    step = _step("plan", "plan the governed templates")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "BASE_REF": "main",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    run = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert run.returncode == code, run.stdout + run.stderr
    text = summary.read_text()
    assert text.startswith("### tapcheck plan: `origin/main:lib/TapStack.json` → `lib/TapStack.json`: " + verdict)
    if not base_has_template:
        assert "> note: origin/main:lib/TapStack.json does not exist" in text
        assert "| BLOCK" not in text and "| OK | add | `AuroraCluster` |" in text
    elif allow:
        assert "| ALLOWED | replace | `AuroraCluster` |" in text
        assert "allowed by .tapcheck-allow.yaml: AuroraCluster (the database is renamed on purpose (CHG-1))" in text
    elif code:
        assert "| BLOCK | replace | `AuroraCluster` |" in text
        assert "allow an intended change in .tapcheck-allow.yaml" in text
    else:
        assert "safe: no resource changes" in text


def _uses() -> list[str]:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    return [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]


def test_every_action_from_outside_the_repository_is_pinned_to_a_commit():
    import re

    outside = [u for u in _uses() if not u.startswith("./")]
    assert outside, "the walk found no action"
    loose = [u for u in outside if not re.fullmatch(r"[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}", u)]
    assert loose == [], f"pin these to a commit SHA (a tag can be moved): {loose}"
    text = WORKFLOW.read_text()
    assert all(re.search(rf"uses: {re.escape(u)}  # v\d+\.\d+\.\d+$", text, re.MULTILINE) for u in outside), (
        "each pin says the tag it was taken from"
    )


def test_the_smoke_job_names_both_policies_and_no_default_stack():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    assert "default" not in workflow[True]["workflow_dispatch"]["inputs"]["stack-name"]  # YAML reads `on` as True
    text = WORKFLOW.read_text()
    smoke = text[text.index("  smoke:") :]
    assert "docs/iam/smoke-policy.json" in smoke and "docs/iam/runner-policy.json" in smoke
    assert (ROOT / "docs" / "iam" / "smoke-policy.json").is_file() and (
        ROOT / "docs" / "iam" / "runner-policy.json"
    ).is_file()
    run = next(s for s in workflow["jobs"]["smoke"]["steps"] if s.get("name") == "tapcheck smoke")["run"]
    assert "--fire-alarm" not in run and "--write-probes" not in run  # the pipeline's smoke changes nothing


def _github_paths_pattern(pattern: str) -> re.Pattern:
    """GitHub's filter pattern cheat sheet: `*` any characters but `/`, `**` any characters."""
    regex = "".join(
        ".*" if part == "**" else "[^/]*" if part == "*" else re.escape(part)
        for part in re.split(r"(\*\*|\*)", pattern)
    )
    return re.compile(regex)


# Tracked files no job runs or reads: the benchmarks (run by hand) and git's own ignore list.
READ_BY_NO_JOB = re.compile(r"^(benchmarks/.*|\.gitignore)$")


def test_the_pull_request_filter_covers_everything_the_jobs_run():
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    workflow = yaml.safe_load(WORKFLOW.read_text())
    paths = [_github_paths_pattern(p) for p in workflow[True]["pull_request"]["paths"]]  # YAML 1.1: on -> True
    uncovered = {f for f in tracked if not any(p.fullmatch(f) for p in paths)}
    assert {f for f in uncovered if not READ_BY_NO_JOB.match(f)} == set()
    for needed in (
        "scripts/bootstrap.sh",
        "conftest.py",
        "tox.ini",
        ".ci/run",
        "tests/unit/conftest.py",
        "README.md",
        "docs/plan.md",
        ".pre-commit-hooks.yaml",
        ".tapcheck-allow.yaml",
    ):
        assert any(p.fullmatch(needed) for p in paths), needed


def test_each_job_installs_only_the_extra_it_needs():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    installs = {
        name: [s["run"].strip() for s in job["steps"] if "pip install" in s.get("run", "")]
        for name, job in jobs.items()
    }
    assert installs == {
        "gate": [],
        "plan": ["python -m pip install ."],
        "tests": [],
        "smoke": ['python -m pip install ".[aws]"'],
    }
    action = yaml.safe_load((ROOT / ".github" / "actions" / "tapcheck" / "action.yml").read_text())
    [install] = [s["run"] for s in action["runs"]["steps"] if "pip install" in s["run"]]
    assert "[" not in install  # the gate action: tapcheck alone
