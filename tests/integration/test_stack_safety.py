"""Safe to point at production (issue 21 items 2 and 3), on the emulator and on the `--target aws`
code path pointed at it (AWS_ENDPOINT_URL, NOTES.md):

- `destroy` with an empty, invalid or unconfirmed stack name deletes nothing; with the name
  repeated it deletes the stack named and no other;
- the emulator's servers present certificates from the emulator's CA: verify-full against that CA
  succeeds on both endpoints, against another CA it is refused;
- a secret that is a bare password, or JSON cut short, appears in no output of smoke or drill (text,
  JSON, JUnit; standard output, standard error, report files): no 8-character piece of the password.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _deploy(target, template: str, prefix: str) -> str:
    from tapcheck.live import deploy

    name = f"tapcheck-{prefix}-{uuid.uuid4().hex[:6]}"
    deploy.deploy(target, template, name, {"EnvironmentSuffix": f"{prefix}{uuid.uuid4().hex[:6]}"})
    return name


@pytest.fixture(scope="module")
def two_stacks(local_target, live_options):
    """Two stacks side by side: what a wrong name could reach."""
    from tapcheck.live import deploy

    names = [_deploy(local_target, live_options.template, p) for p in ("sfa", "sfb")]
    try:
        yield names
    finally:
        for name in names:
            if deploy.stack_status(local_target, name) not in (None, "DELETE_COMPLETE"):
                deploy.destroy(local_target, name)
            deploy.delete_network(local_target, name)


def _aws_env(emulator) -> dict[str, str]:
    """`--target aws` pointed at the emulator: its endpoint and the API credentials of its state file."""
    from tapcheck.emulator import control

    env = dict(os.environ, **control.environment(emulator["state"]))
    env.pop("AWS_PROFILE", None)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tapcheck.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )


# --- destroy hits only the stack named ---------------------------------------------------------------


def test_destroy_on_the_aws_path_deletes_only_the_stack_named_and_only_once_confirmed(
    local_target, emulator, two_stacks
) -> None:
    from tapcheck.live import deploy

    first, second = two_stacks
    env = _aws_env(emulator)

    def statuses():
        return [deploy.stack_status(local_target, n) for n in two_stacks]

    assert statuses() == ["CREATE_COMPLETE", "CREATE_COMPLETE"]
    for args, problem in (
        (["--stack-name", ""], "tapcheck: --stack-name: is empty"),
        (["--stack-name", "_" + first], "is not a stack name CloudFormation accepts"),
        (["--stack-name", first], "needs its name repeated; standard input is not a terminal"),
        (["--stack-name", first, "--confirm-stack", second], f"the confirmation '{second}' is not the stack's "),
        (["--stack-name", first, "--confirm-stack", ""], "the confirmation '' is not the stack's name"),
    ):
        run = _cli(env, "destroy", "--target", "aws", *args)
        assert run.returncode == 2 and problem in run.stderr, run.stdout + run.stderr
        assert run.stderr.count("\n") == 1 and run.stdout == "", run.stderr
        assert statuses() == ["CREATE_COMPLETE", "CREATE_COMPLETE"], args
    run = _cli(env, "destroy", "--target", "aws", "--stack-name", first, "--confirm-stack", first)
    assert run.returncode == 0, run.stdout + run.stderr
    assert statuses() == [None, "CREATE_COMPLETE"]


# --- the emulator's servers prove themselves ---------------------------------------------------------


def test_the_emulators_servers_verify_against_its_ca_and_against_no_other(
    local_target, emulator, two_stacks, tmp_path
) -> None:
    import psycopg
    from cryptography import x509

    from tapcheck.emulator import tls
    from tapcheck.live.context import Context

    ctx = Context(local_target, two_stacks[1])
    assert local_target.ca_bundle == emulator["ca_cert"] == str(tls.ca_cert_path(emulator["root"]))
    ca = x509.load_pem_x509_certificate(Path(emulator["ca_cert"]).read_bytes())
    for role in ("writer", "reader"):
        with ctx.connect(role) as conn:
            assert conn.info.pgconn.ssl_in_use
            assert conn.execute("SELECT current_setting('ssl')").fetchone()[0] == "on"
    _, other = tls.make_ca("not the emulator")
    (tmp_path / "other.pem").write_bytes(tls._pem_cert(other))
    host, port = ctx.endpoint("writer")
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        psycopg.connect(
            host=host,
            port=port,
            user="nobody",
            password="x",
            dbname="postgres",
            connect_timeout=5,
            sslmode="verify-full",
            sslrootcert=str(tmp_path / "other.pem"),
        )
    # the certificate the server presents: issued by the emulator's CA, for both endpoint addresses
    import socket
    import ssl

    with socket.create_connection((host, port), timeout=5) as raw:
        raw.sendall((8).to_bytes(4, "big") + (80877103).to_bytes(4, "big"))
        assert raw.recv(1) == b"S"
        context = ssl.create_default_context(cafile=emulator["ca_cert"])
        with context.wrap_socket(raw, server_hostname=host) as tls_sock:
            cert = x509.load_der_x509_certificate(tls_sock.getpeercert(binary_form=True))
    assert cert.issuer == ca.subject
    sans = {
        str(ip)
        for ip in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
            x509.IPAddress
        )
    }
    assert sans == {ctx.endpoint("writer")[0], ctx.endpoint("reader")[0]}


# --- no output quotes the secret --------------------------------------------------------------------


def _leaks(text: str, password: str) -> list[str]:
    return sorted({password[i : i + 8] for i in range(len(password) - 7) if password[i : i + 8] in text})


def _in_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`tapcheck ARGS` in this process (what it prints and returns), with `env` added."""
    import contextlib
    import io

    from tapcheck.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


@pytest.mark.parametrize("shape", ["bare password", "JSON cut short"])
def test_a_malformed_secret_appears_in_no_output_of_smoke_or_drill(
    local_target, emulator, two_stacks, tmp_path, shape
) -> None:
    """Smoke runs once on each target (the local one in this process, rendered in every format as
    the command renders it; the AWS path as a command, text), the drill once per format."""
    from tapcheck.live.context import Context
    from tapcheck.live.smoke import run_smoke
    from tapcheck.report import live

    name = two_stacks[1]
    ctx = Context(local_target, name)
    sm = local_target.client("secretsmanager")
    original = sm.get_secret_value(SecretId=ctx.secret_arn)["SecretString"]
    password = secrets.token_urlsafe(24)[:32]
    text = password if shape == "bare password" else '{"password": "' + password + '", "username": "dbadmin"'
    sm.put_secret_value(SecretId=ctx.secret_arn, SecretString=text)
    local = {"TAPCHECK_EMULATOR_STATE": emulator["state"]}
    outputs: dict[str, str] = {}
    try:
        report = run_smoke(local_target, name)
        assert report.exit_code == 1
        for fmt in ("text", "json", "junit"):
            outputs[f"smoke {fmt}"] = live.render(report, fmt)
        aws = _cli(
            _aws_env(emulator),
            "smoke",
            "--target",
            "aws",
            "--no-runner",
            "--stack-name",
            name,
            "--ca-bundle",
            emulator["ca_cert"],
        )
        assert aws.returncode == 1, aws.stdout + aws.stderr
        outputs["smoke --target aws"] = aws.stdout + aws.stderr
        for fmt in ("text", "json", "junit"):
            file = tmp_path / f"drill.{fmt}"
            drill = _in_process(
                local, "drill", "failover", "--stack-name", name, "--format", fmt, "--output", str(file)
            )
            assert drill.returncode == 2 and drill.stdout == "" and not file.exists(), drill.stderr
            assert drill.stderr.strip().endswith("is not JSON (fix: run `tapcheck smoke` (R6) and repair the secret)")
            outputs[f"drill {fmt}"] = drill.stderr
    finally:
        sm.put_secret_value(SecretId=ctx.secret_arn, SecretString=original)
    for what, everything in outputs.items():
        assert _leaks(everything, password) == [], f"{what} quotes the password: {everything}"
    assert "is not JSON, so nothing can log in with it" in outputs["smoke text"]
    assert "is not JSON, so nothing can log in with it" in outputs["smoke --target aws"]
