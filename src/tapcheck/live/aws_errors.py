"""Failures talking to AWS that are not tapcheck's: the network, the endpoint, DNS, TLS, a proxy,
throttling and credentials. Each is one line naming the endpoint, the error and the fix, exit 2
(unusable input: the environment, not the template nor tapcheck); exit 4 stays for tapcheck's own
bugs. This table is the one place that says so (the README's table mirrors it):

- `describe(exc)`: an exception botocore raised (or one it caused) -> the UsageError to end the
  command with, or None when it is not one of these. `tapcheck.cli.main` asks it for every
  command before calling anything an internal error.
- `watch(client)`: the errors AWS *answers* with (throttled after botocore's retries, expired or
  unknown credentials, a bad signature) end the command at the call, naming the endpoint, as
  `tapcheck.live.target` already does for a refused permission (AccessDenied and its kin, which
  name the missing permission instead: target._name_refused_permission).

AWS's words for the codes (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/CommonErrors.html):
"InvalidClientTokenId: The X.509 certificate or AWS access key ID provided does not exist in our
records."; "ThrottlingException: The request was denied due to request throttling."; "RequestExpired:
The request reached the service more than 15 minutes after the date stamp on the request ...";
ExpiredTokenException "The security token included in the request is expired"
(https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html); SignatureDoesNotMatch
"mean[s] that the signature value in your HTTP request to AWS did not match the signature that the AWS
service calculated" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html).
"""

from __future__ import annotations

import functools
import re
import socket
from typing import Any

from tapcheck.errors import UsageError

NETWORK_FIX = (
    "check the network and any proxy (HTTPS_PROXY, NO_PROXY), and the region or endpoint (--region, AWS_ENDPOINT_URL)"
)
CREDENTIALS_FIX = (
    "configure credentials for the standard chain (AWS_PROFILE, `aws sso login`, environment, "
    "instance role); `aws sts get-caller-identity` shows which are in use"
)

# The error codes AWS answers with that are the caller's environment, not tapcheck's, by family.
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
        "BandwidthLimitExceeded",
    }
)
EXPIRED = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"})
UNKNOWN_KEY = frozenset({"InvalidClientTokenId", "UnrecognizedClientException", "InvalidAccessKeyId", "AuthFailure"})
BAD_SIGNATURE = frozenset({"SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException"})

# (codes, problem, fix) in the order the README's table lists them
ANSWERED = (
    (
        THROTTLED,
        "AWS throttled {operation} ({code}) and botocore's retries ran out",
        "wait and run it again; something else in the account may be calling the same API fast",
    ),
    (
        EXPIRED,
        "the credentials have expired ({code} on {operation})",
        "refresh them (`aws sso login`, or new session credentials) and run it again",
    ),
    (
        UNKNOWN_KEY,
        "AWS does not know the access key ({code} on {operation})",
        "check AWS_ACCESS_KEY_ID or the profile: the key may be deleted, inactive or from another partition",
    ),
    (
        BAD_SIGNATURE,
        "AWS refused the request's signature ({code} on {operation})",
        "check the secret access key (AWS_SECRET_ACCESS_KEY or the profile) and this machine's clock",
    ),
)


def describe(exc: BaseException) -> UsageError | None:
    """The one line for a failure of the environment talking to AWS, or None (then it may be ours).
    The exception itself or any it was raised from counts (a wrapper keeps the cause)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _describe_one(current)
        if found is not None:
            return found
        current = current.__cause__ or current.__context__
    return None


def _describe_one(exc: BaseException) -> UsageError | None:
    try:
        from botocore import exceptions as bx
    except ImportError:  # no botocore: nothing of it can have failed
        return None
    kwargs = getattr(exc, "kwargs", {}) or {}
    endpoint = str(kwargs.get("endpoint_url") or "AWS").rstrip("/")
    if isinstance(exc, bx.ProxyConnectionError):
        return UsageError(
            str(kwargs.get("proxy_url") or "proxy"),
            f"cannot connect to the proxy ({_reason(exc)})",
            "check HTTPS_PROXY / HTTP_PROXY (and NO_PROXY for endpoints that bypass it)",
        )
    if isinstance(exc, bx.SSLError):
        return UsageError(
            endpoint,
            f"TLS failed: {_reason(exc)}",
            "check the CA bundle (AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE) and any proxy that intercepts TLS",
        )
    if isinstance(exc, bx.ConnectTimeoutError):
        return UsageError(endpoint, "no connection within the connect timeout", NETWORK_FIX)
    if isinstance(exc, bx.EndpointConnectionError):
        if _name_not_resolved(exc):
            return UsageError(
                endpoint,
                "cannot resolve the endpoint's host name (DNS)",
                "check the region (--region) or AWS_ENDPOINT_URL, and this machine's DNS",
            )
        return UsageError(endpoint, f"cannot connect ({_reason(exc)})", NETWORK_FIX)
    if isinstance(exc, bx.ReadTimeoutError):
        return UsageError(endpoint, "no answer within the read timeout", f"run it again; {NETWORK_FIX}")
    if isinstance(exc, bx.ConnectionClosedError):
        return UsageError(endpoint, "closed the connection before answering", f"run it again; {NETWORK_FIX}")
    if isinstance(exc, bx.NoCredentialsError):
        return UsageError("AWS credentials", "none found in the standard chain", CREDENTIALS_FIX)
    if isinstance(exc, bx.PartialCredentialsError):
        return UsageError(
            "AWS credentials",
            f"only part of them in {kwargs.get('provider', 'the chain')}: "
            f"{kwargs.get('cred_var', 'a value')} is missing",
            CREDENTIALS_FIX,
        )
    if isinstance(exc, (bx.CredentialRetrievalError, bx.TokenRetrievalError, bx.SSOError)):
        return UsageError("AWS credentials", f"cannot be obtained: {_one_line(exc)}", CREDENTIALS_FIX)
    if isinstance(exc, bx.NoRegionError):
        return UsageError("AWS", "no region configured", "pass --region or set AWS_REGION / AWS_DEFAULT_REGION")
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
        return answered(str(error.get("Code") or ""), getattr(exc, "operation_name", "") or "a call", "AWS")
    return None


def answered(code: str, operation: str, endpoint: str) -> UsageError | None:
    """The line for an error code AWS answered with, or None when the code is not the environment's."""
    for codes, problem, fix in ANSWERED:
        if code in codes:
            return UsageError(endpoint, problem.format(code=code, operation=operation), fix)
    return None


def watch(client: Any) -> Any:
    """End the command at the call when AWS answers one of the environment's error codes (after
    botocore's own retries), naming the client's endpoint."""
    client.meta.events.register("after-call", functools.partial(_after_call, endpoint=client.meta.endpoint_url))
    return client


def _after_call(http_response: Any, parsed: Any, model: Any, endpoint: str = "AWS", **_: Any) -> None:
    code = (parsed.get("Error") or {}).get("Code") if isinstance(parsed, dict) else None
    if code:
        found = answered(str(code), getattr(model, "name", "a call"), endpoint or "AWS")
        if found is not None:
            raise found


def _name_not_resolved(exc: BaseException) -> bool:
    """Whether botocore could not connect because the host name did not resolve."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if (
            isinstance(current, socket.gaierror)
            or "Name or service not known" in str(current)
            or "nodename nor servname" in str(current)
            or "Temporary failure in name resolution" in str(current)
        ):
            return True
        error = (getattr(current, "kwargs", {}) or {}).get("error")
        current = error if isinstance(error, BaseException) else (current.__cause__ or current.__context__)
    return False


def _reason(exc: BaseException) -> str:
    """The underlying error's words, without urllib3's object reprs."""
    error = (getattr(exc, "kwargs", {}) or {}).get("error")
    text = _one_line(error) if error is not None else _one_line(exc)
    for marker in ("Failed to establish a new connection: ", "] "):
        if marker in text:
            text = text.split(marker, 1)[1]
    text = re.sub(r"\s*\(_ssl\.c:\d+\)?", "", text)  # OpenSSL's source line: noise to a user
    return text.rstrip(")'\" ")[:200] or type(exc).__name__


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]
