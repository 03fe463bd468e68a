"""The emulator's API door: a WSGI layer in front of moto's server (server.py).

- Only the credentials the emulator wrote to its state file get through. Every request must carry
  a Signature Version 4 Authorization header whose access key id is the emulator's and whose
  signature is right: the signature is recomputed over the request as received with botocore's own
  signer (SigV4Auth: canonical request, string to sign, signing key), as AWS does ("AWS services
  receive the request ... recalculate the signature",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html).
  moto's server itself accepts any caller, signed or not.
- A refusal has AWS's error code and the shape of the protocol the request speaks (XML for the query
  and EC2 protocols, JSON for the JSON and REST-JSON ones, CBOR for Smithy RPC v2 CBOR), so a
  client's SDK reports it as AWS's:
  - no signature: MissingAuthenticationToken, "The request must contain either a valid (registered)
    AWS access key ID or X.509 certificate." (HTTP 403; MissingAuthenticationTokenException in the
    JSON protocols);
  - another access key id: InvalidClientTokenId (HTTP 403; UnrecognizedClientException in the JSON
    protocols, whose model says "The most likely cause is an Amazon Web Services access key ID or
    secret key that's not valid", botocore's logs service model);
  - a signature that does not match: SignatureDoesNotMatch, "The request signature we calculated
    does not match the signature you provided" (HTTP 403; InvalidSignatureException in the JSON
    protocols);
  - an Authorization header that is not a SigV4 one: IncompleteSignature (HTTP 400);
  - a date more than 15 minutes off: RequestExpired (HTTP 400).
  Codes, texts and statuses: the Common Errors page of the services' API references
  (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html) and the SigV4
  troubleshooting page above; the JSON protocols' code names are the ones those services answer
  with (docs silent beyond the logs model's UnrecognizedClientException).
- No browser origin is let in: moto's server answers every origin (Access-Control-Allow-Origin: *,
  flask-cors); every Access-Control-* response header is dropped here, so a web page in a browser on
  this machine can read nothing from the emulator.

No moto import here: this module knows HTTP, SigV4 and AWS's error shapes only.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

ALGORITHM = "AWS4-HMAC-SHA256"
# "The request reached the service more than 15 minutes after the date stamp on the request ... or
# the date stamp on the request is more than 15 minutes in the future" (RequestExpired, Common Errors).
MAX_SKEW = timedelta(minutes=15)
QUERY, EC2, JSON, REST_JSON, CBOR = "query", "ec2", "json", "rest-json", "cbor"
# JSON-protocol services that keep their query-protocol error codes (botocore reads the
# x-amzn-query-error header for them): CloudWatch (signing name "monitoring") and SQS, and how an
# unsigned request (no credential scope) still names them: SQS's target prefix, CloudWatch's
# Smithy service name in the path.
_QUERY_COMPATIBLE = frozenset({"monitoring", "sqs"})
_SERVICE_MARKS = (("sqs", "AmazonSQS."), ("monitoring", "GraniteServiceVersion20100801"))

StartResponse = Callable[..., Any]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Refusal:
    """One kind of refused request: its query-protocol code, JSON-protocol code, status, message."""

    code: str
    json_code: str
    status: int
    message: str


MISSING = Refusal(
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    403,
    "The request must contain either a valid (registered) AWS access key ID or X.509 certificate.",
)
UNKNOWN_KEY = Refusal(
    "InvalidClientTokenId", "UnrecognizedClientException", 403, "The security token included in the request is invalid."
)
BAD_SIGNATURE = Refusal(
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    403,
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation "
    "for details.",
)
INCOMPLETE = Refusal(
    "IncompleteSignature",
    "IncompleteSignatureException",
    400,
    "The request signature does not conform to AWS standards.",
)
EXPIRED = Refusal(
    "RequestExpired",
    "RequestExpired",
    400,
    "The request reached the service more than 15 minutes after the date stamp on the request or "
    "the date stamp on the request is more than 15 minutes in the future.",
)

_AUTHORIZATION = re.compile(
    ALGORITHM + r"\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/(?P<service>[^/,\s]+)"
    r"/aws4_request\s*,\s*SignedHeaders=(?P<headers>[a-z0-9\-;]+)\s*,\s*Signature=(?P<signature>[0-9a-f]{64})\s*"
)


class _ExactHeaders(SigV4Auth):
    """botocore's SigV4 signer, signing exactly the headers the request says it signed."""

    def __init__(self, credentials: Credentials, service: str, region: str, signed: list[str]) -> None:
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request: AWSRequest) -> HTTPHeaders:
        chosen = HTTPHeaders()
        for name in self._signed:
            if name in request.headers:
                chosen[name] = request.headers[name]
        return chosen


def _header(environ: dict[str, Any], name: str) -> str | None:
    key = name.upper().replace("-", "_")
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        value = environ.get(key)
    else:
        value = environ.get("HTTP_" + key)
    return None if value is None else str(value)


def _raw_path(environ: dict[str, Any]) -> str:
    """The request target as the client sent it (the signature covers its encoded form)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    path = quote(str(environ.get("PATH_INFO") or "/"), safe="/~!$&'()*+,;=:@%")
    query = environ.get("QUERY_STRING")
    return f"{path}?{query}" if query else path


def read_body(environ: dict[str, Any]) -> bytes:
    """The whole request body (it is signed), put back for the application to read again."""
    stream = environ.get("wsgi.input")
    length = environ.get("CONTENT_LENGTH")
    if stream is None:
        return b""
    if length:
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    return bytes(body)


def _timestamp(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def refusal_of(
    environ: dict[str, Any], body: bytes, access_key_id: str, secret_access_key: str, now: datetime | None = None
) -> tuple[Refusal, str] | None:
    """None when the request is signed with the emulator's credentials, else (refusal, the
    credential scope's service or "" when there is none)."""
    authorization = _header(environ, "Authorization")
    if not authorization:
        return MISSING, ""
    match = _AUTHORIZATION.fullmatch(authorization.strip())
    if not match:
        return INCOMPLETE, ""
    service = match["service"]
    if not hmac.compare_digest(match["key"], access_key_id):
        return UNKNOWN_KEY, service
    signed = match["headers"].split(";")
    amz_date = _header(environ, "X-Amz-Date") or ""
    when = _timestamp(amz_date)
    if "host" not in signed or "x-amz-date" not in signed or when is None or amz_date[:8] != match["date"]:
        return INCOMPLETE, service
    if abs((now or datetime.now(UTC)) - when) > MAX_SKEW:
        return EXPIRED, service
    declared_hash = _header(environ, "X-Amz-Content-SHA256")
    if declared_hash is not None and declared_hash != hashlib.sha256(body).hexdigest():
        return BAD_SIGNATURE, service  # the body is not the one signed
    headers = {name: value for name in signed if (value := _header(environ, name)) is not None}
    request = AWSRequest(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        url=f"http://{_header(environ, 'Host') or ''}{_raw_path(environ)}",
        headers=headers,
        data=body,
    )
    request.context["timestamp"] = amz_date
    signer = _ExactHeaders(Credentials(access_key_id, secret_access_key), service, match["region"], signed)
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    if not hmac.compare_digest(expected, match["signature"]):
        return BAD_SIGNATURE, service
    return None


# --- the refusal, in the request's protocol ---------------------------------------------------------
def protocol(environ: dict[str, Any], service: str) -> str:
    """Which of AWS's protocols the request speaks, from its headers and path."""
    if (_header(environ, "Smithy-Protocol") or "").lower() == "rpc-v2-cbor":
        return CBOR
    content_type = (_header(environ, "Content-Type") or "").lower()
    if _header(environ, "X-Amz-Target") or content_type.startswith("application/x-amz-json"):
        return JSON
    if service == "lambda" or str(environ.get("PATH_INFO", "")).startswith("/2015-03-31/"):
        return REST_JSON
    if service == "ec2":
        return EC2
    return QUERY


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    size = len(data)
    if size < 24:
        head = bytes([0x60 | size])
    elif size < 0x100:
        head = bytes([0x78, size])
    else:
        head = bytes([0x79]) + size.to_bytes(2, "big")
    return head + data


def _cbor_map(items: dict[str, str]) -> bytes:
    """A CBOR map of text to text (RFC 8949: major type 5, then each key and value as major type 3)."""
    return bytes([0xA0 | len(items)]) + b"".join(_cbor_text(k) + _cbor_text(v) for k, v in items.items())


def service_of(environ: dict[str, Any], scope_service: str) -> str:
    """The service a request is for: its credential scope's, else what its target or path name."""
    if scope_service:
        return scope_service
    named = f"{_header(environ, 'X-Amz-Target') or ''} {environ.get('PATH_INFO', '')}"
    return next((service for service, mark in _SERVICE_MARKS if mark in named), "")


def error_response(refusal: Refusal, speaks: str, service: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """(status line, headers, body) of a refusal in protocol `speaks`."""
    request_id = str(uuid.uuid4())
    status = f"{refusal.status} {'Forbidden' if refusal.status == 403 else 'Bad Request'}"
    headers = [("x-amzn-RequestId", request_id)]
    if speaks == QUERY:
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{refusal.code}</Code>"
            f"<Message>{escape(refusal.message)}</Message></Error><RequestId>{request_id}</RequestId>"
            "</ErrorResponse>"
        ).encode()
        return status, headers + [("Content-Type", "text/xml")], body
    if speaks == EC2:
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{refusal.code}</Code>'
            f"<Message>{escape(refusal.message)}</Message></Error></Errors><RequestID>{request_id}</RequestID>"
            "</Response>"
        ).encode()
        return status, headers + [("Content-Type", "text/xml")], body
    code = refusal.json_code
    if service in _QUERY_COMPATIBLE:
        headers.append(("x-amzn-query-error", f"{refusal.code};Sender"))
    if speaks == CBOR:
        return (
            status,
            headers + [("Content-Type", "application/cbor"), ("Smithy-Protocol", "rpc-v2-cbor")],
            _cbor_map({"__type": code, "message": refusal.message}),
        )
    headers.append(("x-amzn-ErrorType", code))
    content_type = "application/json" if speaks == REST_JSON else "application/x-amz-json-1.1"
    return (
        status,
        headers + [("Content-Type", content_type)],
        json.dumps({"__type": code, "message": refusal.message}).encode(),
    )


def _without_cors(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]


class ApiGuard:
    """WSGI middleware: refuses what refusal_of() refuses, strips CORS headers from what it lets through."""

    def __init__(self, app: App, access_key_id: str, secret_access_key: str) -> None:
        self.app = app
        self._key = access_key_id
        self._secret = secret_access_key

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        body = read_body(environ)
        refused = refusal_of(environ, body, self._key, self._secret)
        if refused is not None:
            refusal, service = refused
            service = service_of(environ, service)
            status, headers, payload = error_response(refusal, protocol(environ, service), service)
            start_response(status, headers + [("Content-Length", str(len(payload)))])
            return [payload]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, _without_cors(headers), exc_info)

        return self.app(environ, start)
