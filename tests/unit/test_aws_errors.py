"""Failures talking to AWS that are not tapcheck's are one line naming the endpoint, the error and the
fix, exit 2 — never exit 4 "internal error". Each family is raised for real by botocore against
loopback: a closed port, a port that never accepts, a server that never answers or hangs up, a TLS
server with a certificate nobody signed, a proxy that is not there, no or half the credentials, and
AWS's own error answers (a Stubber, and a loopback server speaking CloudFormation's error XML).
Nothing here leaves loopback: host names other than loopback's do not even resolve."""

from __future__ import annotations

import http.server
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

from tapcheck import cli
from tapcheck.errors import EXIT_UNUSABLE, UsageError
from tapcheck.live import aws_errors
from tapcheck.live.aws_errors import describe

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = ("127.0.0.1", "localhost")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Every name but loopback's fails to resolve, here, before any packet could leave; credentials
    come from nowhere but what a test sets (no files, no instance metadata)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    for key in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        monkeypatch.delenv(key, raising=False)


def client(endpoint: str, *, keys: bool = True, proxies: dict | None = None, timeout: float = 0.5):
    kwargs = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"} if keys else {}
    # a session of its own: boto3's default one keeps the credentials it first found (another test's)
    return boto3.session.Session().client(
        "cloudformation",
        region_name="us-east-1",
        endpoint_url=endpoint,
        **kwargs,
        config=Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            proxies=proxies,
            retries={"max_attempts": 1, "mode": "standard"},
        ),
    )


def raised(call) -> BaseException:
    with pytest.raises(Exception) as caught:
        call()
    return caught.value


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[socket.socket]:
    """A port whose connections the kernel accepts and nobody ever answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server
    server.close()


def serve(handle) -> tuple[int, threading.Event]:
    """A loopback server calling handle(connection) for each connection, until the event is set."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            try:
                handle(connection)
            except OSError:
                pass
            finally:
                connection.close()
        server.close()

    threading.Thread(target=loop, daemon=True).start()
    return server.getsockname()[1], stop


def test_connection_refused(tmp_path):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    error = describe(raised(lambda: client(endpoint).describe_stacks()))
    assert error.subject == endpoint and error.problem.startswith("cannot connect (") and "refused" in error.problem
    assert error.fix == aws_errors.NETWORK_FIX and error.exit_code == EXIT_UNUSABLE


def test_a_host_name_that_does_not_resolve():
    endpoint = "https://cloudformation.nowhere.invalid"
    exc = raised(lambda: client(endpoint).describe_stacks())
    assert type(exc).__name__ == "EndpointConnectionError"
    error = describe(exc)
    assert (error.subject, error.problem) == (endpoint, "cannot resolve the endpoint's host name (DNS)")
    assert "--region" in error.fix


def test_connect_timeout():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    queue = []  # fill the accept queue: the next SYN is dropped
    for _ in range(8):
        waiting = socket.socket()
        waiting.setblocking(False)
        try:
            waiting.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        queue.append(waiting)
    time.sleep(0.1)
    try:
        exc = raised(lambda: client(f"http://127.0.0.1:{port}").describe_stacks())
    finally:
        for waiting in queue:
            waiting.close()
        server.close()
    assert type(exc).__name__ == "ConnectTimeoutError"
    error = describe(exc)
    assert (error.subject, error.problem) == (f"http://127.0.0.1:{port}", "no connection within the connect timeout")


def test_read_timeout(silent_server):
    endpoint = f"http://127.0.0.1:{silent_server.getsockname()[1]}"
    exc = raised(lambda: client(endpoint).describe_stacks())
    assert type(exc).__name__ == "ReadTimeoutError"
    error = describe(exc)
    assert error.problem == "no answer within the read timeout" and error.subject.startswith(endpoint)


def test_connection_closed_before_an_answer():
    port, stop = serve(lambda connection: connection.recv(65536))  # reads the request, hangs up
    try:
        exc = raised(lambda: client(f"http://127.0.0.1:{port}").describe_stacks())
    finally:
        stop.set()
    assert type(exc).__name__ == "ConnectionClosedError"
    assert describe(exc).problem == "closed the connection before answering"


def test_tls_with_a_certificate_nobody_signed(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    def handshake(connection):
        connection.settimeout(2)
        try:
            context.wrap_socket(connection, server_side=True).close()
        except (ssl.SSLError, OSError):
            pass

    port, stop = serve(handshake)
    try:
        exc = raised(lambda: client(f"https://127.0.0.1:{port}", timeout=2).describe_stacks())
    finally:
        stop.set()
    assert type(exc).__name__ == "SSLError"
    error = describe(exc)
    assert error.problem == "TLS failed: certificate verify failed: self-signed certificate"
    assert error.subject == f"https://127.0.0.1:{port}" and "AWS_CA_BUNDLE" in error.fix


def test_a_proxy_that_is_not_there():
    proxy = f"http://127.0.0.1:{closed_port()}"
    exc = raised(
        lambda: client("https://cloudformation.us-east-1.amazonaws.com", proxies={"https": proxy}).describe_stacks()
    )
    assert type(exc).__name__ == "ProxyConnectionError"
    error = describe(exc)
    assert error.subject == proxy and error.problem.startswith("cannot connect to the proxy")
    assert "HTTPS_PROXY" in error.fix


@pytest.fixture
def no_credential_sources(monkeypatch, tmp_path):
    """The standard chain finds nothing: no AWS_* variables, no files, no instance metadata."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_no_credentials(no_credential_sources):
    exc = raised(lambda: client(f"http://127.0.0.1:{closed_port()}", keys=False).describe_stacks())
    assert type(exc).__name__ == "NoCredentialsError"
    error = describe(exc)
    assert (error.subject, error.problem) == ("AWS credentials", "none found in the standard chain")


def test_half_the_credentials(no_credential_sources, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    exc = raised(lambda: client(f"http://127.0.0.1:{closed_port()}", keys=False).describe_stacks())
    assert type(exc).__name__ == "PartialCredentialsError"
    error = describe(exc)
    assert error.problem == "only part of them in env: AWS_SECRET_ACCESS_KEY is missing"


@pytest.mark.parametrize(
    "code, words",
    [
        ("Throttling", "AWS throttled DescribeStacks (Throttling)"),
        ("ExpiredToken", "the credentials have expired (ExpiredToken on DescribeStacks)"),
        ("InvalidClientTokenId", "AWS does not know the access key (InvalidClientTokenId on DescribeStacks)"),
        ("UnrecognizedClientException", "AWS does not know the access key"),
        ("SignatureDoesNotMatch", "AWS refused the request's signature (SignatureDoesNotMatch on DescribeStacks)"),
    ],
)
def test_answers_that_are_the_environments(code, words):
    watched = aws_errors.watch(client("https://cloudformation.us-east-1.amazonaws.com"))
    with Stubber(watched) as stub:
        stub.add_client_error("describe_stacks", service_error_code=code, http_status_code=400)
        with pytest.raises(UsageError) as caught:
            watched.describe_stacks()
    assert caught.value.subject == "https://cloudformation.us-east-1.amazonaws.com"
    assert caught.value.problem.startswith(words) and caught.value.fix
    plain = client("https://cloudformation.us-east-1.amazonaws.com")  # a client nobody watches
    with Stubber(plain) as stub:
        stub.add_client_error("describe_stacks", service_error_code=code, http_status_code=400)
        assert describe(raised(plain.describe_stacks)).problem.startswith(words)


def test_an_answer_that_is_not_the_environments_is_left_alone():
    watched = aws_errors.watch(client("https://cloudformation.us-east-1.amazonaws.com"))
    with Stubber(watched) as stub:
        stub.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message="Stack with id s does not exist",
            http_status_code=400,
        )
        exc = raised(watched.describe_stacks)
    assert type(exc).__name__ == "ClientError" and describe(exc) is None
    assert describe(KeyError("a bug of tapcheck")) is None


def test_a_wrapped_cause_is_found():
    endpoint = f"http://127.0.0.1:{closed_port()}"
    try:
        try:
            client(endpoint).describe_stacks()
        except Exception as inner:
            raise RuntimeError("while describing the stack") from inner
    except RuntimeError as outer:
        assert describe(outer).subject == endpoint


def test_cli_main_says_it_in_one_line_with_exit_2(monkeypatch, capsys):
    """Whatever command meets it: cli.main turns botocore's exception into the line, exit 2."""
    endpoint = f"http://127.0.0.1:{closed_port()}"
    real = raised(lambda: client(endpoint).describe_stacks())

    def smoke(args):
        raise real

    from tapcheck.live import commands

    monkeypatch.setattr(commands, "cmd_smoke", smoke)
    code = cli.main(["smoke", "--stack-name", "s", "--target", "aws"])
    err = capsys.readouterr().err
    assert code == EXIT_UNUSABLE and err.count("\n") == 1
    assert err.startswith(f"tapcheck: {endpoint}: cannot connect (") and "internal error" not in err


class _ExpiredToken(http.server.BaseHTTPRequestHandler):
    """A loopback endpoint answering every call as AWS does for an expired session token."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = (
            b"<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token "
            b"included in the request is expired</Message></Error><RequestId>1</RequestId></ErrorResponse>"
        )
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_smoke_on_aws_with_expired_credentials_is_one_line_exit_2(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ExpiredToken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="expired",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent",
        AWS_CONFIG_FILE="/nonexistent",
    )
    try:
        run = subprocess.run(
            [sys.executable, "-m", "tapcheck.cli", "smoke", "--target", "aws", "--stack-name", "s"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == EXIT_UNUSABLE, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(f"tapcheck: {endpoint}: the credentials have expired")
    assert "refresh them" in run.stderr
