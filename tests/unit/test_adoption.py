"""A team adopts tapcheck in a repository of its own: `tapcheck init` writes the configuration and the
hooks, and the real pre-commit runs them.

The end-to-end test is the issue's "done when": in a fresh repository with the template at
templates/db.json, an S3-only template.yaml and templates/params.json, the configured hooks block a
retention-3 edit of templates/db.json, pass edits to the other two, and never exit 2 on them; the plan
hook blocks a replacing edit until .tapcheck-allow.yaml allows it.

pre-commit installs the hooks the way a user's would: `repo:` points at a git repository holding this
checkout's package and .pre-commit-hooks.yaml (at a commit), and pre-commit builds the hooks' own
environment (`language: python`: virtualenv, then `pip install .`). Offline: pip takes every package
from the wheelhouse scripts/bootstrap.sh keeps (.tools/wheelhouse, with the build backend) and the
cfn-guard wheel from .tools/wheels (PIP_NO_INDEX, PIP_FIND_LINKS).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cli_in_process import tapcheck

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
S3_ONLY = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n'
PARAMS = [{"ParameterKey": "EnvironmentSuffix", "ParameterValue": "prod"}]


def git(repo: Path, *args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=dev", "-c", "user.email=dev@example.com", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=check,
    )


def user_repository(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "templates").mkdir()
    (path / "templates" / "db.json").write_text(TEMPLATE.read_text())
    (path / "templates" / "params.json").write_text(json.dumps(PARAMS, indent=2))
    (path / "template.yaml").write_text(S3_ONLY)
    return path


# --- tapcheck init --------------------------------------------------------------------------------


def test_init_lists_the_templates_that_declare_a_cluster_and_writes_local_hooks(tmp_path):
    repo = user_repository(tmp_path / "app")
    run = tapcheck("init", cwd=repo)
    assert run.returncode == 0, run.stderr
    config = yaml.safe_load((repo / ".tapcheck.yaml").read_text())
    assert config == {"templates": ["templates/db.json"]}
    assert "#   template.yaml" in (repo / ".tapcheck.yaml").read_text()  # found, and said why not
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    [local] = hooks["repos"]
    assert local["repo"] == "local"
    assert [(h["id"], h["entry"], h["language"], h["types"]) for h in local["hooks"]] == [
        ("tapcheck", "tapcheck check --quiet --only-governed", "system", ["text"]),
        ("tapcheck-plan", "tapcheck plan --head --only-governed", "system", ["text"]),
    ]
    again = tapcheck("init", cwd=repo)
    assert again.returncode == 2 and again.stderr.startswith(f"tapcheck: {repo / '.tapcheck.yaml'}: exists")


def test_init_prints_the_hooks_when_the_repository_has_a_pre_commit_config(tmp_path):
    repo = user_repository(tmp_path / "app")
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n")
    run = tapcheck("init", "--hook-repo", "https://git.example.com/tapcheck.git", "--hook-rev", "v0.1.0", cwd=repo)
    assert run.returncode == 0, run.stderr
    assert (repo / ".pre-commit-config.yaml").read_text() == "repos: []\n"  # the user's file is theirs
    assert run.stdout.splitlines()[-5:] == [
        "  - repo: https://git.example.com/tapcheck.git",
        "    rev: v0.1.0",
        "    hooks:",
        "      - id: tapcheck",
        "      - id: tapcheck-plan",
    ]


def test_init_leaves_a_pyproject_configuration_alone(tmp_path):
    repo = user_repository(tmp_path / "app")
    (repo / "pyproject.toml").write_text('[tool.tapcheck]\nwaivers = "w.yaml"\n')
    run = tapcheck("init", cwd=repo)
    assert run.returncode == 2 and "already configures tapcheck ([tool.tapcheck])" in run.stderr
    assert not (repo / ".tapcheck.yaml").exists()


# --- the hooks under the real pre-commit ----------------------------------------------------------


@pytest.fixture(scope="module")
def hook_repository(tmp_path_factory) -> tuple[str, str]:
    """A git repository holding this checkout's package and hooks file, at a commit: what `repo:` names."""
    base = tmp_path_factory.mktemp("hook-repo") / "tapcheck"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info")
    shutil.copytree(ROOT / "src", base / "src", symlinks=True, ignore=skip)
    shutil.copytree(ROOT / "rules", base / "rules", ignore=skip)
    for name in ("pyproject.toml", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, base / name)
    git(base, "init", "-q")
    git(base, "add", "-A")
    git(base, "commit", "-qm", "tapcheck")
    return base.as_uri(), git(base, "rev-parse", "HEAD").stdout.strip()


def offline_env(tmp_path: Path) -> dict:
    wheelhouse, cfn_guard = ROOT / ".tools" / "wheelhouse", ROOT / ".tools" / "wheels"
    assert (wheelhouse / ".pyproject-sha256").is_file(), "scripts/bootstrap.sh fills .tools/wheelhouse/: run it"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TAPCHECK_", "PIP_", "VIRTUAL_ENV", "PRE_COMMIT", "GIT_"))
    }
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit"),
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=f"{wheelhouse} {cfn_guard}",
        PIP_NO_COMPILE="1",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        VIRTUALENV_NO_PERIODIC_UPDATE="1",
        GIT_AUTHOR_NAME="dev",
        GIT_AUTHOR_EMAIL="dev@example.com",
        GIT_COMMITTER_NAME="dev",
        GIT_COMMITTER_EMAIL="dev@example.com",
    )
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != str(PRE_COMMIT.parent))
    return env


def commit(repo: Path, message: str, env: dict) -> subprocess.CompletedProcess:
    git(repo, "add", "-A", env=env)
    return git(repo, "commit", "-m", message, env=env, check=False)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def edit_json(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def test_the_configured_hooks_block_the_governed_template_and_pass_the_others(tmp_path, hook_repository):
    url, rev = hook_repository
    env = offline_env(tmp_path)
    repo = user_repository(tmp_path / "app")
    assert tapcheck("init", "--hook-repo", url, "--hook-rev", rev, cwd=repo).returncode == 0
    installed = subprocess.run(
        [str(PRE_COMMIT), "install"], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # the first commit builds the hooks' environment (pip, offline) and checks the compliant template
    first = commit(repo, "the stacks", env)
    assert first.returncode == 0, first.stdout + first.stderr
    said = first.stdout + first.stderr  # git hands the hooks' output on
    assert "tapcheck compliance gate" in said and "Passed" in said

    # a retention-3 edit of the governed template: blocked by the gate hook, naming the requirement
    edit_json(
        repo / "templates" / "db.json",
        lambda t: t["Resources"]["AuroraCluster"]["Properties"].update(BackupRetentionPeriod=3),
    )
    before = head(repo)
    blocked = commit(repo, "shorter backups", env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1 and head(repo) == before, output
    assert "[R4,C3] ERROR backup-retention AuroraCluster" in output
    assert "BackupRetentionPeriod is 3 day(s), not 7" in output
    assert "- exit code: 1" in output and "- exit code: 2" not in output
    git(repo, "checkout", "-q", "HEAD", "--", "templates/db.json")  # the edit withdrawn

    # edits to the S3 stack and to the parameters file pass both hooks
    (repo / "template.yaml").write_text(S3_ONLY + "  Logs:\n    Type: AWS::S3::Bucket\n")
    s3 = commit(repo, "another bucket", env)
    assert s3.returncode == 0, s3.stdout + s3.stderr
    edit_json(repo / "templates" / "params.json", lambda p: p.append({"ParameterKey": "X", "ParameterValue": "y"}))
    params = commit(repo, "a parameter", env)
    assert params.returncode == 0, params.stdout + params.stderr
    assert head(repo) != before

    # what the hooks say about those two files: skipped, named, never an error
    verbose = subprocess.run(
        [str(PRE_COMMIT), "run", "--verbose", "--files", "template.yaml", "templates/params.json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    for hook in ("tapcheck compliance gate", "tapcheck plan"):
        assert any(line.startswith(hook) and line.endswith("Passed") for line in verbose.stdout.splitlines()), hook
    config = repo / ".tapcheck.yaml"
    assert verbose.stdout.count(f"tapcheck: skipped template.yaml: not governed: {config} lists") == 2
    assert verbose.stdout.count("tapcheck: skipped templates/params.json: not governed") == 2

    # the plan hook blocks a replacing edit, names the allow file, and lets it through once allowed
    edit_json(repo / "templates" / "db.json", lambda t: t["Parameters"]["DatabaseName"].update(Default="ledger"))
    replaced = commit(repo, "rename the database", env)
    output = replaced.stdout + replaced.stderr
    assert replaced.returncode == 1, output
    assert "tapcheck plan (what the staged template edit does to the running stack)" in output
    assert "NOT SAFE: AuroraCluster (data-loss, update-fails)" in output
    assert "allow an intended change in .tapcheck-allow.yaml" in output and "- exit code: 2" not in output
    entries = [
        {"resource": name, "template": "templates/db.json", "reason": "ledger rename, data exported (CHG-7)"}
        for name in ("AuroraCluster", "AuroraInstance1", "AuroraInstance2")
    ]
    (repo / ".tapcheck-allow.yaml").write_text(yaml.safe_dump({"allow": entries}))
    allowed = commit(repo, "rename the database, allowed", env)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
