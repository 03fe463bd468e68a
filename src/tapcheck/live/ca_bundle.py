"""AWS's global RDS certificate bundle, fetched on first use on the AWS target, checked against a
pinned SHA-256 and cached (~/.cache/tapcheck/rds-ca/, like cfn-guard: tools/guard/provision.py).

Where AWS publishes it: "To get a certificate bundle that contains both the intermediate and root
certificates for all AWS Regions, download it from
https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
(https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html#UsingWithRDS.SSL.CertificatesAllRegions;
the Aurora User Guide's page of the same name points to the same bundles). "All certificates are only
available for download using SSL/TLS connections" (same page): the fetch is HTTPS, verified by the
system's trust store, and the bytes must then match PINNED_SHA256 before they are written anywhere.

NOT PINNED YET. The machines this was written on cannot reach AWS's URL, and no copy of the bundle
whose digest could be checked against what AWS serves today was available offline, so PINNED_SHA256
is None: with it unset, tapcheck refuses to download the bundle at all (an unverified download is
never used) and asks for --ca-bundle FILE instead. A maintainer pins it by downloading the bundle
(curl -sSf https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem | sha256sum), checking
it, and setting PINNED_SHA256 to that digest; AWS adds certificates to the bundle over time, so the
pin is updated when AWS changes it (a changed bundle is refused, naming both digests).

The fetch is tested against a local HTTP(S) server on loopback (BUNDLE_URL and PINNED_SHA256 are
replaced by the tests, tests/unit/test_ca_bundle.py); nothing here has been fetched from AWS.
"""

from __future__ import annotations

import hashlib
import os
import ssl
import threading
import urllib.error
import urllib.request
from pathlib import Path

from tapcheck.errors import UsageError

BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
# The SHA-256 of the bundle at BUNDLE_URL, hex. None: not pinned (see the module's docstring).
PINNED_SHA256: str | None = None
FETCH_TIMEOUT_S = 30
MAX_BYTES = 4 * 1024 * 1024  # the bundle is about 160 KB; anything far larger is not it
_IN_THIS_PROCESS = threading.Lock()
SUBJECT = "the RDS certificate bundle"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "tapcheck" / "rds-ca"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def bundle_path() -> Path:
    """The cached bundle, fetched first if needed; it is checked against the pin at every use.
    UsageError (exit 2) when it is not pinned, cannot be fetched, or does not match."""
    pinned = PINNED_SHA256
    if not pinned:
        raise UsageError(
            SUBJECT,
            "this tapcheck pins no SHA-256 for AWS's global bundle, so it does not download it "
            "(an unverified bundle is never used)",
            f"download {BUNDLE_URL}, check it, and pass --ca-bundle FILE",
        )
    cached = cache_dir() / f"global-bundle-{pinned[:16]}.pem"
    if _matches(cached, pinned):
        return cached
    with _IN_THIS_PROCESS:
        if _matches(cached, pinned):
            return cached
        data = _fetch(BUNDLE_URL)
        digest = _sha256(data)
        if digest != pinned:
            raise UsageError(
                SUBJECT,
                f"{BUNDLE_URL} gave a bundle with SHA-256 {digest}, not the pinned {pinned}; nothing was saved or used",
                "if AWS changed the bundle, check the new one and pass it with --ca-bundle FILE (a "
                "tapcheck release updates the pin)",
            )
        if b"-----BEGIN CERTIFICATE-----" not in data:
            raise UsageError(SUBJECT, f"{BUNDLE_URL} gave no PEM certificate", "pass --ca-bundle FILE")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(f".{cached.name}.{os.getpid()}.partial")
            partial.write_bytes(data)
            os.replace(partial, cached)
        except OSError as e:
            raise UsageError(
                str(cached.parent),
                f"cannot cache {SUBJECT}: {e.strerror or e}",
                "set XDG_CACHE_HOME to a writable directory, or pass --ca-bundle FILE",
            ) from None
    return cached


def _matches(path: Path, pinned: str) -> bool:
    try:
        return _sha256(path.read_bytes()) == pinned
    except OSError:
        return False


def _fetch(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT_S, context=ssl.create_default_context()) as r:
            data = r.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise UsageError(
            SUBJECT,
            f"cannot be fetched from {url}: {' '.join(str(reason).split())[:200]}",
            f"check the network to {url.split('/')[2]}, or download it and pass --ca-bundle FILE",
        ) from None
    if len(data) > MAX_BYTES:
        raise UsageError(SUBJECT, f"{url} answered with more than {MAX_BYTES} bytes", "pass --ca-bundle FILE")
    return data
