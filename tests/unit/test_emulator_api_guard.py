"""The emulator's API door (emulator/api_guard.py), in front of a stand-in application on a real
loopback server and driven by real boto3 clients: only the emulator's key with a valid signature
gets through, each refusal has AWS's code in the protocol the client speaks, and no CORS header
leaves, whatever the application behind it sends."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from tapcheck.emulator import api_guard

KEY, SECRET = "AKIAEMULATORKEY00001", "the-emulator's-secret"
# the stand-in application's answer: a status no AWS error has, and moto's wildcard CORS header
PASSED = 418


def _behind(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response(
        f"{PASSED} I'm a teapot",
        [
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "GET, POST"),
            ("Content-Type", "text/plain"),
        ],
    )
    return [b"passed the guard"]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0, api_guard.ApiGuard(_behind, KEY, SECRET), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


# service, a call, its protocol as botocore speaks it
CALLS = [
    ("cloudformation", "describe_stacks", {}, "query"),
    ("sts", "get_caller_identity", {}, "query"),
    ("ec2", "describe_vpcs", {}, "ec2"),
    ("kms", "list_keys", {}, "json"),
    ("secretsmanager", "list_secrets", {}, "json"),
    ("sqs", "list_queues", {}, "json (query-compatible)"),
    ("cloudwatch", "describe_alarms", {}, "smithy-rpc-v2-cbor (query-compatible)"),
    (
        "lambda",
        "invoke",
        {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f", "Payload": b"{}"},
        "rest-json, an ARN in the path",
    ),
    ("lambda", "list_functions", {"MaxItems": 5, "FunctionVersion": "ALL"}, "rest-json, a query string"),
]


def _call(url: str, service: str, call: str, params: dict[str, Any], **client: Any) -> dict[str, Any]:
    config = client.pop("config", Config(retries={"max_attempts": 1}))
    aws = boto3.client(service, endpoint_url=url, region_name="us-east-1", config=config, **client)
    try:
        getattr(aws, call)(**params)
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
    except Exception as e:  # noqa: BLE001 - the stand-in's answer is not a valid AWS response
        return {"code": type(e).__name__, "status": None}
    return {"code": "accepted", "status": 200}


@pytest.mark.parametrize("service, call, params, speaks", CALLS, ids=[f"{c[0]}.{c[1]}" for c in CALLS])
def test_the_emulators_key_and_signature_pass(url: str, service: str, call: str, params: dict, speaks: str) -> None:
    got = _call(url, service, call, params, aws_access_key_id=KEY, aws_secret_access_key=SECRET)
    assert got["status"] in (PASSED, None) and got["code"] not in ("InvalidClientTokenId", "SignatureDoesNotMatch")
    # the stand-in answered (418), or botocore could not read its text as AWS's: either way it got through
    assert got["status"] == PASSED or got["code"] in ("ResponseParserError", "ClientError"), got


@pytest.mark.parametrize("service, call, params, speaks", CALLS, ids=[f"{c[0]}.{c[1]}" for c in CALLS])
def test_another_key_a_wrong_secret_and_no_signature_are_refused_as_aws_refuses(
    url: str, service: str, call: str, params: dict, speaks: str
) -> None:
    json_protocol = speaks.startswith(("json", "rest-json")) and "query-compatible" not in speaks
    other_key = _call(
        url, service, call, params, aws_access_key_id="AKIAANOTHERKEY000001", aws_secret_access_key=SECRET
    )
    wrong_secret = _call(url, service, call, params, aws_access_key_id=KEY, aws_secret_access_key="guessed")
    unsigned = _call(url, service, call, params, config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))
    assert (other_key, wrong_secret, unsigned) == (
        {"code": "UnrecognizedClientException" if json_protocol else "InvalidClientTokenId", "status": 403},
        {"code": "InvalidSignatureException" if json_protocol else "SignatureDoesNotMatch", "status": 403},
        {
            "code": "MissingAuthenticationTokenException" if json_protocol else "MissingAuthenticationToken",
            "status": 403,
        },
    )


def _signed(
    url: str, key: str = KEY, secret: str = SECRET, data: bytes | None = None, headers: dict[str, str] | None = None
) -> urllib.request.Request:
    request = AWSRequest(method="POST" if data is not None else "GET", url=url, data=data, headers=headers or {})
    SigV4Auth(Credentials(key, secret), "cloudformation", "us-east-1").add_auth(request)
    return urllib.request.Request(url, data=data, headers=dict(request.headers.items()), method=request.method)


def _answer(request: urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


def test_no_cors_header_leaves_whoever_asks(url: str) -> None:
    origin = {"Origin": "http://attacker.example"}
    status, headers, body = _answer(_signed(url + "/moto-api/", headers=origin))
    assert (status, body) == (PASSED, b"passed the guard")  # the application answered ...
    assert not [h for h in headers if h.lower().startswith("access-control-")], headers  # ... without CORS
    status, headers, _ = _answer(urllib.request.Request(url + "/moto-api/", headers=origin, method="OPTIONS"))
    assert status == 403 and not [h for h in headers if h.lower().startswith("access-control-")], headers


def test_a_body_other_than_the_one_signed_is_refused(url: str) -> None:
    request = _signed(
        url + "/",
        data=b"Action=DescribeStacks&Version=2010-05-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _answer(request)[0] == PASSED
    request.data = b"Action=DeleteStack&StackName=prod&Version=2010-05-15"
    request.headers["Content-length"] = str(len(request.data))
    status, _, body = _answer(request)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body


def _environ(request: AWSRequest) -> tuple[dict[str, Any], bytes]:
    environ = {"REQUEST_METHOD": request.method, "RAW_URI": "/", "PATH_INFO": "/", "QUERY_STRING": ""}
    for name, value in request.headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ, request.body or b""


def test_a_signature_older_or_newer_than_15_minutes_is_refused() -> None:
    request = AWSRequest(method="GET", url="http://127.0.0.1:1/", headers={"Host": "127.0.0.1:1"})
    SigV4Auth(Credentials(KEY, SECRET), "rds", "us-east-1").add_auth(request)
    environ, body = _environ(request)
    now = datetime.strptime(request.context["timestamp"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    for later, refused in (
        (timedelta(minutes=14), None),
        (timedelta(minutes=16), api_guard.EXPIRED),
        (-timedelta(minutes=16), api_guard.EXPIRED),
    ):
        result = api_guard.refusal_of(environ, body, KEY, SECRET, now=now + later)
        assert (result[0] if result else None) == refused


def test_an_authorization_that_is_not_sigv4_is_incomplete() -> None:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "HTTP_AUTHORIZATION": f"AWS {KEY}:c2lnbmF0dXJl"}
    assert api_guard.refusal_of(environ, b"", KEY, SECRET) == (api_guard.INCOMPLETE, "")
