"""What a command-line user expects: --version, exit codes that tell findings, bad input, a
missing tool, a bug and Ctrl-C apart, a reader that leaves early (`| head -1`), directories
and glob patterns as inputs, --quiet, and a batch that keeps every report it could make."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tapcheck import __version__, cli, gate
from tapcheck.errors import EXIT_INTERNAL, EXIT_INTERRUPTED, worst

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
SEED = ROOT / "tests" / "fixtures" / "seed_template.json"


def tapcheck(*args: str, cwd: Path = ROOT, stdout=subprocess.PIPE, env: dict | None = None):
    return subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=180,
        env={**os.environ, **(env or {})},
        check=False,
    )


def into_closed_pipe(*args: str) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader is already gone: every write fails with EPIPE."""
    read, write = os.pipe()
    os.close(read)
    try:
        return tapcheck(*args, stdout=write)
    finally:
        os.close(write)


def test_version():
    run = tapcheck("--version")
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout.startswith(f"tapcheck {__version__} ") and "cfn-lint 1.58.0" in run.stdout
    assert "cfn-guard 3.1.1" in run.stdout


def test_help_documents_the_exit_codes():
    for args in (["--help"], ["check", "--help"]):
        text = " ".join(tapcheck(*args).stdout.split())
        for code in (
            "0 compliant",
            "1 findings",
            "2 unusable input",
            "3 a missing tool",
            "4 internal error",
            "130 interrupted",
        ):
            assert code in text, (args, code)


def test_worst_exit_code_order():
    assert worst() == 0
    assert worst(0, 1, 0) == 1
    assert worst(1, 2) == 2 and worst(3, 2, 1) == 3 and worst(1, 4, 3) == 4 and worst(4, 130) == 130


@pytest.mark.parametrize(
    "args",
    [
        ["requirements"],
        ["requirements", "--format", "json"],
        ["check"],
        ["check", str(SEED), "--format", "sarif"],
        ["--help"],
        ["--version"],
    ],
)
def test_a_reader_that_leaves_early_is_no_error(args):
    run = into_closed_pipe(*args)
    assert run.stderr == "", run.stderr
    assert run.returncode == (1 if str(SEED) in args else 0)  # the command's own verdict


def test_head_on_a_real_pipeline():
    shell = (
        f"set -o pipefail; {sys.executable} -m tapcheck.cli requirements | head -1 && "
        f"{sys.executable} -m tapcheck.cli check {SEED} | head -1"
    )
    run = subprocess.run(["bash", "-c", shell], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert run.stderr == "" and "Traceback" not in run.stdout
    assert run.returncode == 1  # pipefail: the second command's verdict (findings), not an error
    assert run.stdout.splitlines()[0].startswith("| id |")


def test_quiet_prints_the_blocking_findings_alone(tmp_path):
    run = tapcheck("check", "--quiet", str(SEED))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    blocking = sum(1 for line in lines if line.startswith("  ["))
    assert lines[0] == f"{SEED}: NOT COMPLIANT ({blocking} blocking)" and lines[1].startswith("  [")
    assert "config:" not in run.stdout and "PASS" not in run.stdout
    quiet_ok = tapcheck("check", "--quiet", str(TEMPLATE))
    assert quiet_ok.returncode == 0 and quiet_ok.stdout == "" and quiet_ok.stderr == ""


def write_tree(base: Path) -> dict[str, Path]:
    """A repository-like tree: templates in JSON and YAML, and files that are not templates."""
    files = {
        "stacks/db.json": TEMPLATE.read_text(),
        "stacks/nested/seed.template": SEED.read_text(),
        "stacks/app.yaml": "AWSTemplateFormatVersion: 2010-09-09\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
        "stacks/package.json": json.dumps({"name": "x", "version": "1.0.0"}),
        "stacks/.github/workflow.yml": "on: push\njobs: {}\n",
        "stacks/values.yml": "key: value\n",
        "stacks/node_modules/dep/template.json": TEMPLATE.read_text(),
        "stacks/readme.md": "# not even a candidate\n",
    }
    for name, text in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return {name: base / name for name in files}


def test_a_directory_checks_its_templates_and_names_what_it_skipped(tmp_path):
    write_tree(tmp_path)
    run = tapcheck("check", "stacks", "--format", "json", cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # the seed fails; the others are checked too
    checked = sorted(t["template"] for t in json.loads(run.stdout)["templates"])
    assert checked == ["stacks/db.json", "stacks/nested/seed.template"]
    skipped = sorted(
        line.split(": ")[1].split(" ")[-1] for line in run.stderr.splitlines() if line.startswith("tapcheck: skipped")
    )
    assert skipped == ["stacks/app.yaml", "stacks/package.json", "stacks/values.yml"]
    # the SNS-only stack is a template, but not the Aurora requirements' to judge (governed.py)
    assert "skipped stacks/app.yaml: not governed: declares no AWS::RDS::DBCluster" in run.stderr
    assert "node_modules" not in run.stderr and ".github" not in run.stderr and "readme" not in run.stderr


def test_a_glob_pattern_and_a_file_named_twice_are_checked_once(tmp_path):
    write_tree(tmp_path)
    run = tapcheck("check", "stacks/*.json", "stacks/db.json", "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["template"] == "stacks/db.json"  # one template: the single shape
    assert "skipped stacks/package.json" in run.stderr
    recursive = tapcheck("check", "stacks/**/*.template", "--format", "json", cwd=tmp_path)
    assert recursive.returncode == 1 and json.loads(recursive.stdout)["template"] == "stacks/nested/seed.template"
    none = tapcheck("check", "nowhere/*.yaml", cwd=tmp_path)
    assert none.returncode == 2 and "matches no file" in none.stderr


def test_a_file_named_explicitly_is_a_template_by_the_users_word(tmp_path):
    paths = write_tree(tmp_path)
    run = tapcheck("check", str(paths["stacks/package.json"]))
    assert run.returncode == 2 and "Resources" in run.stderr


def test_skip_non_templates_treats_named_files_like_a_pattern_match(tmp_path):
    """What the pre-commit hook passes: every staged file its `files` pattern matched."""
    paths = write_tree(tmp_path)
    run = tapcheck("check", "--skip-non-templates", str(paths["stacks/package.json"]), str(paths["stacks/db.json"]))
    assert run.returncode == 0, run.stderr
    assert f"skipped {paths['stacks/package.json']}" in run.stderr
    only = tapcheck("check", "--skip-non-templates", str(paths["stacks/values.yml"]))
    assert only.returncode == 0 and "skipped" in only.stderr and only.stdout == ""


def test_a_broken_template_in_a_directory_is_unusable_input_not_skipped(tmp_path):
    (tmp_path / "t").mkdir()
    shutil.copy(TEMPLATE, tmp_path / "t" / "good.json")
    # cut short inside the cluster: it names the type, so it stays governed (and cannot be read)
    (tmp_path / "t" / "broken.template.json").write_text(
        '{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"C": {"Type": "AWS::RDS::DBCluster"'
    )
    # cut short, and nothing says it is an Aurora template: not governed, skipped and named
    (tmp_path / "t" / "other.template.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {')
    run = tapcheck("check", "t", "--format", "json", cwd=tmp_path)
    assert run.returncode == 2
    report = json.loads(run.stdout)
    assert [t["template"] for t in report["templates"]] == ["t/good.json"]
    assert report["templates"][0]["compliant"] is True and report["compliant"] is False
    [unchecked] = report["unchecked"]
    assert unchecked["template"] == "t/broken.template.json" and unchecked["exit_code"] == 2
    assert "tapcheck: skipped t/other.template.json: not governed" in run.stderr


def test_a_crash_on_one_template_keeps_the_others_reports(monkeypatch, capsys, tmp_path):
    real = gate.evaluate_loaded

    def crashes_on_the_seed(loaded, *args, **kwargs):
        if Path(loaded.path).name == SEED.name:
            raise KeyError("a bug of tapcheck")
        return real(loaded, *args, **kwargs)

    monkeypatch.setattr(gate, "evaluate_loaded", crashes_on_the_seed)
    monkeypatch.delenv(cli.ENV_DEBUG, raising=False)
    for fmt in ("json", "junit", "sarif", "text"):
        code = cli.main(
            ["check", str(TEMPLATE), str(SEED), str(TEMPLATE.parent / ".." / "lib" / "TapStack.json"), "--format", fmt]
        )
        out, err = capsys.readouterr()
        assert code == EXIT_INTERNAL, (fmt, err)
        assert err.count("internal error") == 1 and "KeyError" in err and "Traceback" not in err
        assert SEED.name in err
        if fmt == "json":
            report = json.loads(out)
            assert [t["compliant"] for t in report["templates"]] == [True]  # the same file once
            assert report["unchecked"][0]["exit_code"] == EXIT_INTERNAL
        elif fmt == "junit":
            assert "<error" in out and "exit 4" in out and "R10" in out
        elif fmt == "sarif":
            run = json.loads(out)["runs"][0]
            assert run["invocations"][0]["executionSuccessful"] is False
            assert SEED.name in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
        else:
            assert "lib/TapStack.json: COMPLIANT" in out


def test_interrupted_is_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(gate, "evaluate_loaded", interrupted)
    assert cli.main(["check", str(TEMPLATE)]) == EXIT_INTERRUPTED
    assert capsys.readouterr().err.strip() == "tapcheck: interrupted"


def test_bad_option_is_unusable_input():
    run = tapcheck("check", "--format", "xml")
    assert run.returncode == 2 and "Traceback" not in run.stderr
