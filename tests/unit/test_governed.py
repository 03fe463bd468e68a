"""One place names the governed templates (src/tapcheck/governed.py): the project configuration's
`templates` (globs), else the templates that declare an AWS::RDS::DBCluster. The gate, both hooks'
mode (--only-governed), `plan` and the LSP follow it; every file skipped is named with why."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from cli_in_process import tapcheck

from tapcheck.governed import _glob_regex

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
S3_ONLY = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n'
PARAMS = json.dumps([{"ParameterKey": "EnvironmentSuffix", "ParameterValue": "prod"}])


@pytest.fixture
def repo(tmp_path) -> Path:
    """The issue's user repository: the template at templates/db.json, an S3-only template.yaml, a
    parameters file beside the template, a README."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "db.json").write_text(TEMPLATE.read_text())
    (tmp_path / "templates" / "params.json").write_text(PARAMS)
    (tmp_path / "template.yaml").write_text(S3_ONLY)
    (tmp_path / "README.md").write_text("# app\n")
    return tmp_path


def retention(days: int) -> str:
    template = json.loads(TEMPLATE.read_text())
    template["Resources"]["AuroraCluster"]["Properties"]["BackupRetentionPeriod"] = days
    return json.dumps(template, indent=2)


def skipped(stderr: str) -> dict[str, str]:
    """{path: why} from the `tapcheck: skipped PATH: WHY` lines."""
    lines = [
        line.removeprefix("tapcheck: skipped ") for line in stderr.splitlines() if line.startswith("tapcheck: skipped ")
    ]
    return dict(line.split(": ", 1) for line in lines)


CANDIDATES = ("templates/db.json", "template.yaml", "templates/params.json", "README.md")


@pytest.mark.parametrize(
    "pattern, matching, not_matching",
    [
        ("templates/db.json", ["templates/db.json"], ["db.json", "templates/db.json.bak", "x/templates/db.json"]),
        ("templates/*.json", ["templates/db.json", "templates/params.json"], ["templates/sub/db.json", "db.json"]),
        ("**/db.json", ["db.json", "a/db.json", "a/b/db.json"], ["a/db.yaml", "adb.json"]),
        ("stacks/**", ["stacks/a.json", "stacks/x/y.yaml"], ["stacks", "other/a.json"]),
        (
            "stacks/**/aurora-*.y?ml",
            ["stacks/aurora-db.yaml", "stacks/p/aurora-1.yaml"],
            ["stacks/p/db.yaml", "stacks/aurora-1.yml"],
        ),
        ("db-[!x].json", ["db-a.json"], ["db-x.json", "db-ab.json"]),
        ("./templates/db.json", ["templates/db.json"], []),
    ],
)
def test_configured_globs_match_relative_paths_as_documented(pattern, matching, not_matching):
    regex = _glob_regex(pattern)
    assert [p for p in matching if regex.fullmatch(p)] == matching
    assert [p for p in not_matching if regex.fullmatch(p)] == []


# --- the hooks' mode: candidates ----------------------------------------------------------------


def test_without_a_configuration_the_hook_checks_templates_that_declare_a_cluster_and_names_the_rest(repo):
    (repo / "templates" / "db.json").write_text(retention(3))
    run = tapcheck("check", "--quiet", "--only-governed", *CANDIDATES, cwd=repo)
    assert run.returncode == 1, run.stderr
    assert "BackupRetentionPeriod is 3 day(s), not 7" in run.stdout and "templates/db.json" in run.stdout
    reasons = skipped(run.stderr)
    assert set(reasons) == {"template.yaml", "templates/params.json", "README.md"}
    assert reasons["template.yaml"].startswith("not governed: declares no AWS::RDS::DBCluster")
    # it does not name the type: not read further (every commit pays for this sorting)
    assert reasons["templates/params.json"] == reasons["template.yaml"]
    (repo / "templates" / "notes.json").write_text(json.dumps({"about": "AWS::RDS::DBCluster"}))
    named = tapcheck("check", "--quiet", "--only-governed", "templates/notes.json", cwd=repo)
    assert skipped(named.stderr) == {
        "templates/notes.json": "not a CloudFormation template: no "
        "AWSTemplateFormatVersion and no Resources with a Type"
    }
    assert reasons["README.md"] == "not a template file name (.json, .yaml, .yml, .template)"
    assert "Bucket" not in run.stdout  # the S3 stack is judged by nothing


def test_with_a_configuration_the_hook_checks_exactly_its_templates(repo):
    (repo / ".tapcheck.yaml").write_text("templates: [templates/db.json]\n")
    (repo / "other").mkdir()
    (repo / "other" / "aurora.json").write_text(retention(3))  # an Aurora template the config leaves out
    run = tapcheck("check", "--quiet", "--only-governed", *CANDIDATES, "other/aurora.json", cwd=repo)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout == ""
    reasons = skipped(run.stderr)
    assert set(reasons) == {"template.yaml", "templates/params.json", "README.md", "other/aurora.json"}
    assert reasons.pop("README.md") == "not a template file name (.json, .yaml, .yml, .template)"
    assert all(
        why.startswith(f"not governed: {repo / '.tapcheck.yaml'} lists the templates") for why in reasons.values()
    )


def test_a_hook_given_no_governed_file_passes_and_says_so(repo):
    run = tapcheck("check", "--quiet", "--only-governed", "template.yaml", "templates/params.json", cwd=repo)
    assert run.returncode == 0 and run.stdout == ""
    assert run.stderr.splitlines()[-1].startswith(
        "tapcheck: no governed template among the 2 file(s) given "
        "(governed: templates that declare an AWS::RDS::DBCluster"
    )


def test_the_plan_hook_skips_what_the_gate_hook_skips_and_never_exits_2_on_it(repo):
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base"],
        check=True,
    )
    (repo / "templates" / "params.json").write_text(json.dumps([{"ParameterKey": "X", "ParameterValue": "y"}]))
    (repo / "template.yaml").write_text(S3_ONLY.replace("Bucket:", "Logs:"))
    run = tapcheck("plan", "--head", "--only-governed", *CANDIDATES, cwd=repo)
    assert run.returncode == 0, run.stderr
    assert set(skipped(run.stderr)) == {"template.yaml", "templates/params.json", "README.md"}
    assert run.stdout.startswith("tapcheck plan: HEAD:templates/db.json -> templates/db.json")
    gate = tapcheck("check", "--quiet", "--only-governed", *CANDIDATES, cwd=repo)
    assert skipped(gate.stderr) == skipped(run.stderr)


# --- the gate with and without paths -----------------------------------------------------------


def test_no_path_checks_the_configured_templates(repo):
    (repo / ".tapcheck.yaml").write_text("templates: ['templates/*.json']\n")
    run = tapcheck("check", "--format", "json", cwd=repo)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["template"] == "templates/db.json"
    assert json.loads(run.stdout)["config"]["templates"] == ["templates/*.json"]
    assert skipped(run.stderr) == {
        "templates/params.json": "not a CloudFormation template: its top level is not a mapping"
    }


@pytest.mark.parametrize(
    "config, problem",
    [
        ("templates: [templates/dbb.json]\n", "templates 'templates/dbb.json': matches no file"),
        ("templates: []\n", "`templates` lists no template"),
        ("templates: 3\n", "`templates` is not a list of paths or glob patterns"),
        ("templates: [../elsewhere.json]\n", "points outside the directory of the config file"),
    ],
)
def test_a_configuration_that_governs_nothing_is_unusable_input(repo, config, problem):
    (repo / ".tapcheck.yaml").write_text(config)
    run = tapcheck("check", cwd=repo)
    assert run.returncode == 2 and problem in run.stderr, run.stderr
    assert len(run.stderr.splitlines()) == 1 and run.stdout == ""


def test_no_path_and_no_configuration_says_how_to_name_the_templates(repo):
    run = tapcheck("check", cwd=repo)
    assert run.returncode == 2
    assert run.stderr == (
        "tapcheck: no template named, and no project configuration lists the governed templates "
        "(fix: name the templates, or run `tapcheck init` to write a .tapcheck.yaml that lists "
        "them)\n"
    )


def test_a_directory_of_other_stacks_is_not_judged_by_the_aurora_requirements(repo):
    run = tapcheck("check", ".", cwd=repo)
    assert run.returncode == 1 or run.returncode == 0, run.stderr
    assert "./template.yaml" in skipped(run.stderr)
    (repo / "templates" / "db.json").unlink()
    only_others = tapcheck("check", ".", cwd=repo)
    assert only_others.returncode == 2
    assert ".: holds 1 CloudFormation template(s), none of them governed" in only_others.stderr


def test_a_file_named_on_the_command_line_is_checked_by_the_users_word(repo):
    named = tapcheck("check", "template.yaml", "--format", "json", cwd=repo)
    assert named.returncode == 1  # asked for: judged (R1 and the others fail)
    (repo / ".tapcheck.yaml").write_text("templates: [templates/db.json]\n")
    noted = tapcheck("check", "template.yaml", "--format", "json", cwd=repo)
    assert noted.returncode == 1
    assert "tapcheck: note: template.yaml is not among the templates" in noted.stderr
    assert tapcheck("check", "--no-config", "template.yaml", cwd=repo).stderr == ""


# --- the editor ----------------------------------------------------------------------------------


def test_the_editor_shows_nothing_on_a_stack_the_requirements_do_not_govern(repo):
    from tapcheck.lsp import diagnostics_for

    assert diagnostics_for(str(repo / "template.yaml"), S3_ONLY) == []
    broken = diagnostics_for(str(repo / "templates" / "db.json"), retention(3))
    assert "backup-retention" in {d.code for d in broken}
    (repo / ".tapcheck.yaml").write_text("templates: [other.json]\n")
    assert diagnostics_for(str(repo / "templates" / "db.json"), retention(3)) == []
