"""`tapcheck plan` on the command line: exit codes, the JSON shape, one line for unusable input,
and the git HEAD mode the pre-commit hook uses (in a throw-away repository)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from cli_in_process import tapcheck as in_process

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
CLUSTER = "AWS::RDS::DBCluster"


def tapcheck(*args: str, cwd: Path = ROOT, env: dict | None = None):
    """`tapcheck plan ARGS`, in-process (cli_in_process): these tests are about the plan, not the process."""
    return in_process("plan", *args, cwd=cwd, env=env)


def edited(tmp_path: Path, name: str, change) -> Path:
    template = json.loads(TEMPLATE.read_text())
    change(template)
    path = tmp_path / name
    path.write_text(json.dumps(template, indent=2))
    return path


def cluster_of(template: dict) -> dict:
    return next(r for r in template["Resources"].values() if r["Type"] == CLUSTER)


def rename_database(template: dict) -> None:
    cluster_of(template)["Properties"]["DatabaseName"] = "ledger"


def longer_backups(template: dict) -> None:
    cluster_of(template)["Properties"]["BackupRetentionPeriod"] = 14


# --- two files ---------------------------------------------------------------------------------


def test_identical_templates_exit_0_with_no_changes():
    run = tapcheck(str(TEMPLATE), str(TEMPLATE))
    assert run.returncode == 0, run.stderr
    assert "safe: no resource changes" in run.stdout


def test_an_in_place_edit_exits_0_and_names_the_change(tmp_path):
    run = tapcheck(str(TEMPLATE), str(edited(tmp_path, "new.json", longer_backups)))
    assert run.returncode == 0, run.stdout + run.stderr
    line = next(row for row in run.stdout.splitlines() if "AuroraCluster" in row)
    assert line.split()[:2] == ["OK", "modify"] and "BackupRetentionPeriod 7 -> 14" in line


def test_a_replacing_edit_exits_1_naming_the_resource_most_dangerous_first(tmp_path):
    run = tapcheck(str(TEMPLATE), str(edited(tmp_path, "new.json", rename_database)))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[1].startswith("BLOCK") and "AuroraCluster" in lines[1] and "data-loss" in lines[1]
    assert lines[-1].startswith("NOT SAFE: AuroraCluster (data-loss, update-fails)")


def test_json_has_the_documented_shape(tmp_path):
    run = tapcheck(str(TEMPLATE), str(edited(tmp_path, "new.json", rename_database)), "--format", "json")
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document["safe"] is False
    assert {"resource", "type", "action", "replacement", "properties", "risks", "blocking", "reason"} <= set(
        document["changes"][0]
    )
    cluster = next(c for c in document["changes"] if c["type"] == CLUSTER)
    assert cluster["action"] == "replace" and cluster["replacement"] == "true"
    assert cluster["properties"] == ["DatabaseName"]
    assert cluster["risks"][:2] == ["data-loss", "update-fails"] and cluster["blocking"] is True
    for change in document["changes"]:
        assert change["replacement"] in ("true", "false", "conditional")
        assert change["action"] in ("add", "remove", "modify", "replace")
        assert isinstance(change["reason"], str) and change["reason"]


def test_allow_is_printed_and_an_allow_matching_nothing_is_reported(tmp_path):
    def renamed(template: dict) -> None:
        cluster_of(template)["Properties"]["DBClusterIdentifier"] = "aurora-postgres-cluster-v2"
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::RDS::DBInstance":
                resource["Properties"]["DBInstanceIdentifier"] = {"Fn::Sub": "${AWS::StackName}-instance"}

    new = edited(tmp_path, "new.json", renamed)
    assert tapcheck(str(TEMPLATE), str(new)).returncode == 1
    run = tapcheck(str(TEMPLATE), str(new), "--allow", "AuroraCluster", "--allow", "CPUUtilizationAlarm")
    assert run.returncode == 0, run.stdout
    assert "ALLOWED replace AuroraCluster" in run.stdout and "allowed by --allow AuroraCluster" in run.stdout
    assert "--allow CPUUtilizationAlarm allows nothing here" in run.stdout
    by_env = tapcheck(str(TEMPLATE), str(new), env={"TAPCHECK_PLAN_ALLOW": "AuroraCluster"})
    assert by_env.returncode == 0 and "allowed by TAPCHECK_PLAN_ALLOW=AuroraCluster" in by_env.stdout


def test_param_values_apply_to_both_versions(tmp_path):
    def new_default(template: dict) -> None:
        template["Parameters"]["EnvironmentSuffix"]["Default"] = "blue"

    new = edited(tmp_path, "new.json", new_default)
    assert tapcheck(str(TEMPLATE), str(new)).returncode == 1
    run = tapcheck(str(TEMPLATE), str(new), "--param", "EnvironmentSuffix=prod")
    assert run.returncode == 0 and "no resource changes" in run.stdout


def test_yaml_and_json_of_one_template_are_no_change(tmp_path):
    path = tmp_path / "TapStack.yaml"
    path.write_text(yaml.safe_dump(json.loads(TEMPLATE.read_text())))
    run = tapcheck(str(TEMPLATE), str(path))
    assert run.returncode == 0 and "no resource changes" in run.stdout


@pytest.mark.parametrize(
    "args, expected",
    [
        (["missing.json", "lib/TapStack.json"], "missing.json: no such file"),
        (["lib/TapStack.json", "lib/TapStack.json", "lib/TapStack.json"], "takes [OLD] NEW"),
        (["lib/TapStack.json", "lib/TapStack.json", "--param", "EnvironmentSuffix"], "is not KEY=VALUE"),
        (["lib/TapStack.json", "lib/TapStack.json", "--param", "Nope=1"], "Nope is not a parameter"),
        (["lib/TapStack.json", "lib/TapStack.json", "--allow", "Nope"], "names no resource"),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(args, expected):
    run = tapcheck(*args)
    assert run.returncode == 2
    assert run.stdout == "" and run.stderr.count("\n") == 1 and expected in run.stderr
    assert "Traceback" not in run.stderr


def test_an_invalid_template_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"Resources": {')
    run = tapcheck(str(TEMPLATE), str(bad))
    assert run.returncode == 2 and run.stderr.startswith(f"tapcheck: {bad}:") and run.stderr.count("\n") == 1


# --- git HEAD ------------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "lib").mkdir(parents=True)
    shutil.copy(TEMPLATE, repo / "lib" / "TapStack.json")
    git(repo, "init", "-q")
    git(repo, "add", "lib/TapStack.json")
    git(repo, "commit", "-q", "-m", "template")
    return repo


def test_one_path_compares_with_head(repo):
    assert tapcheck("lib/TapStack.json", cwd=repo).returncode == 0
    template = json.loads((repo / "lib" / "TapStack.json").read_text())
    rename_database(template)
    (repo / "lib" / "TapStack.json").write_text(json.dumps(template))
    run = tapcheck("lib/TapStack.json", cwd=repo)
    assert run.returncode == 1
    assert run.stdout.startswith("tapcheck plan: HEAD:lib/TapStack.json -> lib/TapStack.json")
    # from another directory, the path is found relative to the repository root
    elsewhere = tapcheck(str(repo / "lib" / "TapStack.json"), cwd=repo.parent)
    assert elsewhere.returncode == 1 and "HEAD:lib/TapStack.json" in elsewhere.stdout


def test_a_file_not_committed_yet_is_all_new(repo):
    shutil.copy(TEMPLATE, repo / "lib" / "Other.json")
    run = tapcheck("lib/Other.json", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "not committed yet" in run.stdout
    assert all(line.split()[1] == "add" for line in run.stdout.splitlines()[2:-1])


def test_head_mode_plans_every_file_and_the_worst_exit_wins(repo):
    shutil.copy(TEMPLATE, repo / "lib" / "Copy.json")
    git(repo, "add", "lib/Copy.json")
    git(repo, "commit", "-q", "-m", "copy")
    template = json.loads(TEMPLATE.read_text())
    rename_database(template)
    (repo / "lib" / "Copy.json").write_text(json.dumps(template))
    run = tapcheck("--head", "lib/TapStack.json", "lib/Copy.json", "--format", "json", cwd=repo)
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document["safe"] is False and [p["safe"] for p in document["plans"]] == [True, False]


def test_outside_a_git_repository_is_one_line_and_exit_2(tmp_path):
    lone = tmp_path / "alone"
    lone.mkdir()
    shutil.copy(TEMPLATE, lone / "t.json")
    run = tapcheck("t.json", cwd=lone, env={"GIT_CEILING_DIRECTORIES": str(tmp_path)})
    assert run.returncode == 2
    assert "is not in a git repository" in run.stderr and run.stderr.count("\n") == 1


def test_the_pre_commit_hook_runs_the_head_mode_on_the_governed_templates():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["tapcheck-plan"]
    assert hook["entry"] == "tapcheck plan --head --only-governed" and hook["language"] == "python"
    assert "files" not in hook and hook["types"] == ["text"]  # it filters by the configuration itself


# --- .tapcheck-allow.yaml: one allow for the CLI, the hook and the workflow ---------------------

BLOCKED = ("AuroraCluster", "AuroraInstance1", "AuroraInstance2")


def renamed_database_in(repo: Path) -> None:
    template = json.loads((repo / "lib" / "TapStack.json").read_text())
    rename_database(template)
    (repo / "lib" / "TapStack.json").write_text(json.dumps(template, indent=2))


def allow_file(repo: Path, entries: list[dict]) -> None:
    (repo / ".tapcheck-allow.yaml").write_text(yaml.safe_dump({"allow": entries}))


def test_a_blocked_plan_names_the_allow_file(repo):
    renamed_database_in(repo)
    run = tapcheck("--head", "lib/TapStack.json", cwd=repo)
    assert run.returncode == 1
    assert run.stdout.splitlines()[-1].endswith(
        "Fix the edit, or allow an intended change in .tapcheck-allow.yaml (resource, reason; docs/plan.md: "
        "Allowing a change), or for one run with --allow RESOURCE"
    )


def test_the_allow_file_lets_an_intended_change_through_visibly_with_its_reason(repo):
    renamed_database_in(repo)
    reason = "rename the database; data exported first (CHG-1234)"
    allow_file(repo, [{"resource": name, "template": "lib/TapStack.json", "reason": reason} for name in BLOCKED])
    run = tapcheck("--head", "lib/TapStack.json", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"allowed by .tapcheck-allow.yaml: AuroraCluster ({reason})" in run.stdout
    # from a subdirectory: the file is found up to the repository root
    (repo / "lib" / "sub").mkdir()
    assert tapcheck("--head", "../TapStack.json", cwd=repo / "lib" / "sub").returncode == 0
    # scoped to another template, an entry allows nothing here
    allow_file(repo, [{"resource": name, "template": "stacks/*.json", "reason": reason} for name in BLOCKED])
    assert tapcheck("--head", "lib/TapStack.json", cwd=repo).returncode == 1
    # with no template: it speaks about every template that has the resource
    allow_file(repo, [{"resource": name, "reason": reason} for name in BLOCKED])
    assert tapcheck("--head", "lib/TapStack.json", cwd=repo).returncode == 0


def test_an_allow_file_entry_with_nothing_to_allow_is_noted(repo):
    allow_file(repo, [{"resource": "AuroraCluster", "reason": "deployed last week"}])
    run = tapcheck("--head", "lib/TapStack.json", cwd=repo)
    assert run.returncode == 0
    assert (
        "NOTE    .tapcheck-allow.yaml: AuroraCluster (deployed last week) allows nothing here: AuroraCluster has "
        "no blocking change"
    ) in run.stdout


@pytest.mark.parametrize(
    "entries, problem",
    [
        ([{"resource": "AuroraCluster"}], "allow entry 1: allows AuroraCluster without a reason"),
        ([{"resource": "AuroraCluster", "reason": " "}], "allow entry 1: allows AuroraCluster without a reason"),
        ([{"reason": "x"}], "allow entry 1: names no resource"),
        (
            [{"resource": "AuroraCluster", "reason": "x", "until": "friday"}],
            "allow entry 1: has unknown keys ['until']",
        ),
    ],
)
def test_an_allow_file_entry_needs_a_resource_and_a_reason(repo, entries, problem):
    renamed_database_in(repo)
    allow_file(repo, entries)
    run = tapcheck("--head", "lib/TapStack.json", cwd=repo)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and problem in run.stderr, run.stderr


# --- --base: the workflow's plan against the pull request's base branch -------------------------


def test_base_compares_with_another_revision_and_a_base_without_the_template_is_all_new(repo):
    git(repo, "branch", "-q", "base-without", "HEAD")
    git(repo, "checkout", "-q", "base-without")
    git(repo, "rm", "-q", "lib/TapStack.json")
    git(repo, "commit", "-q", "-m", "no template yet")
    git(repo, "checkout", "-q", "-")
    renamed_database_in(repo)
    assert tapcheck("--base", "HEAD", "lib/TapStack.json", cwd=repo).returncode == 1
    new = tapcheck("--base", "base-without", "lib/TapStack.json", cwd=repo)
    assert new.returncode == 0, new.stdout + new.stderr
    assert new.stdout.splitlines()[:2] == [
        "tapcheck plan: base-without:lib/TapStack.json -> lib/TapStack.json",
        (
            "  note: base-without:lib/TapStack.json does not exist (the file is not committed yet there): every "
            "resource is new"
        ),
    ]
    missing = tapcheck("--base", "origin/nope", "lib/TapStack.json", cwd=repo)
    assert missing.returncode == 2 and missing.stderr.startswith("tapcheck: --base origin/nope: names no commit")


def test_base_without_paths_plans_the_governed_templates(repo):
    (repo / ".tapcheck.yaml").write_text("templates: [lib/*.json]\n")
    renamed_database_in(repo)
    run = tapcheck("--base", "HEAD", cwd=repo)
    assert run.returncode == 1 and run.stdout.startswith("tapcheck plan: HEAD:lib/TapStack.json -> lib/TapStack.json")


# --- the pipeline's formats ---------------------------------------------------------------------


def test_junit_has_a_failed_case_per_blocking_change_and_the_same_exit_code(tmp_path):
    import xml.etree.ElementTree as ET

    report = tmp_path / "plan.xml"
    run = tapcheck(
        str(TEMPLATE), str(edited(tmp_path, "new.json", rename_database)), "--format", "junit", "--output", str(report)
    )
    assert run.returncode == 1 and run.stdout == "", run.stdout + run.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    failed = [c for c in suite.findall("testcase") if c.find("failure") is not None]
    # the renamed database replaces the cluster, and with it the instances that name it
    assert [c.get("name") for c in failed] == [
        "AuroraCluster (AWS::RDS::DBCluster) replace",
        "AuroraInstance1 (AWS::RDS::DBInstance) replace",
        "AuroraInstance2 (AWS::RDS::DBInstance) replace",
    ]
    assert "DatabaseName" in failed[0].find("failure").get("message")
    assert "data-loss" in failed[0].find("failure").get("message")
    assert suite.get("failures") == "3" and "NOT SAFE" in suite.find("system-out").text


def test_markdown_is_a_job_summary_with_the_verdict_and_a_row_per_change(tmp_path):
    summary = tmp_path / "summary.md"
    run = tapcheck(
        str(TEMPLATE),
        str(edited(tmp_path, "new.json", rename_database)),
        "--format",
        "markdown",
        "--output",
        str(summary),
    )
    assert run.returncode == 1, run.stderr
    text = summary.read_text()
    assert text.startswith("### tapcheck plan:") and "**NOT SAFE**" in text.splitlines()[0]
    rows = [line for line in text.splitlines() if line.startswith("| BLOCK")]
    assert len(rows) == 3 and "`AuroraCluster`" in rows[0] and "data-loss" in rows[0]
    assert "NOT SAFE: AuroraCluster (data-loss, update-fails)" in text


def test_an_unwritable_output_is_one_line_and_exit_2(tmp_path):
    run = tapcheck(str(TEMPLATE), str(TEMPLATE), "--output", str(tmp_path / "no" / "such" / "dir" / "plan.txt"))
    assert run.returncode == 2 and run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "--output" in run.stderr
