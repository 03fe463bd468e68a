"""AWS's global RDS bundle is fetched once, checked against the pinned SHA-256 and cached
(live/ca_bundle.py); an unpinned, unreachable or different bundle is refused and never used.
These machines cannot reach AWS's URL: the fetch is tested against HTTP(S) servers on loopback
(BUNDLE_URL and PINNED_SHA256 replaced for the test), never against AWS."""

from __future__ import annotations

import hashlib
import http.server
import ssl
import threading

import pytest

from tapcheck.emulator import tls as emulator_tls
from tapcheck.errors import UsageError
from tapcheck.live import ca_bundle, tls

BUNDLE = b"".join(emulator_tls._pem_cert(emulator_tls.make_ca(f"test RDS root {i}")[1]) for i in range(2))
DIGEST = hashlib.sha256(BUNDLE).hexdigest()


class _Server:
    """Serves `body` at /global/global-bundle.pem on 127.0.0.1, counting requests; HTTPS with `context`."""

    def __init__(self, body: bytes, context: ssl.SSLContext | None = None) -> None:
        self.body, self.requests = body, 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        scheme = "https" if context is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.httpd.server_address[1]}/global/global-bundle.pem"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    started = []

    def serve(body: bytes = BUNDLE, pinned: str | None = DIGEST, context=None) -> _Server:
        server = _Server(body, context)
        started.append(server)
        monkeypatch.setattr(ca_bundle, "BUNDLE_URL", server.url)
        monkeypatch.setattr(ca_bundle, "PINNED_SHA256", pinned)
        return server

    yield serve
    for server in started:
        server.close()


def test_the_shipped_url_is_the_one_aws_documents_and_no_digest_is_pretended() -> None:
    assert ca_bundle.BUNDLE_URL == "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
    assert ca_bundle.PINNED_SHA256 is None  # not obtained offline: see the module's docstring


def test_unpinned_nothing_is_downloaded(served) -> None:
    server = served(pinned=None)
    with pytest.raises(UsageError) as info:
        ca_bundle.bundle_path()
    assert "pins no SHA-256" in info.value.problem and "--ca-bundle FILE" in info.value.fix
    assert server.requests == 0


def test_fetched_once_checked_and_cached(served, tmp_path) -> None:
    server = served()
    path = ca_bundle.bundle_path()
    assert path == tmp_path / "cache" / "tapcheck" / "rds-ca" / f"global-bundle-{DIGEST[:16]}.pem"
    assert path.read_bytes() == BUNDLE and server.requests == 1
    assert ca_bundle.bundle_path() == path and server.requests == 1  # from the cache
    path.write_bytes(BUNDLE + b"# tampered\n")  # checked at every use
    assert ca_bundle.bundle_path().read_bytes() == BUNDLE and server.requests == 2


def test_a_bundle_that_is_not_the_pinned_one_is_refused_and_not_kept(served, tmp_path) -> None:
    served(body=BUNDLE + b"\n")
    with pytest.raises(UsageError) as info:
        ca_bundle.bundle_path()
    assert f"not the pinned {DIGEST}" in info.value.problem and "nothing was saved or used" in info.value.problem
    assert not any((tmp_path / "cache").rglob("*.pem"))


def test_over_https_the_server_is_verified(served, monkeypatch, tmp_path) -> None:
    key, ca = emulator_tls.make_ca("loopback test CA")
    server_key, server_cert = emulator_tls.issue(key, ca, ["127.0.0.1"], "loopback")
    (tmp_path / "srv.crt").write_bytes(emulator_tls._pem_cert(server_cert))
    (tmp_path / "srv.key").write_bytes(emulator_tls._pem_key(server_key))
    (tmp_path / "ca.crt").write_bytes(emulator_tls._pem_cert(ca))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "srv.crt", tmp_path / "srv.key")
    server = served(context=context)
    with pytest.raises(UsageError) as info:  # the system's trust store does not know this CA
        ca_bundle.bundle_path()
    assert "cannot be fetched" in info.value.problem and "CERTIFICATE_VERIFY_FAILED" in info.value.problem
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.crt"))
    assert ca_bundle.bundle_path().read_bytes() == BUNDLE and server.url.startswith("https://")


def test_the_aws_target_uses_the_fetched_bundle_unless_one_is_named(served, tmp_path) -> None:
    from tapcheck.live.target import Target

    served()
    assert tls.trust_anchor(Target("aws", "us-east-1")) == str(ca_bundle.bundle_path())
    named = tmp_path / "mine.pem"
    named.write_bytes(BUNDLE)
    assert tls.trust_anchor(Target("aws", "us-east-1", ca_bundle=str(named))) == str(named)


def test_ca_bundle_must_be_a_file_of_certificates(tmp_path) -> None:
    (tmp_path / "notes.txt").write_text("not a certificate\n")
    for path, problem in (
        (tmp_path / "missing.pem", "is not a file"),
        (tmp_path, "is not a file"),
        (tmp_path / "notes.txt", "holds no PEM certificate that can be read"),
    ):
        with pytest.raises(UsageError) as info:
            tls.check_bundle(path)
        assert info.value.problem.startswith(problem)
    (tmp_path / "ok.pem").write_bytes(BUNDLE)
    assert tls.check_bundle(tmp_path / "ok.pem") == str(tmp_path / "ok.pem")


def test_the_bundle_may_be_named_in_the_environment(monkeypatch, tmp_path) -> None:
    """$TAPCHECK_CA_BUNDLE is --ca-bundle's default (a pipeline sets it once); the option still wins."""
    from tapcheck.cli import build_parser

    monkeypatch.setenv("TAPCHECK_CA_BUNDLE", str(tmp_path / "env.pem"))
    assert build_parser().parse_args(["smoke", "--stack-name", "s"]).ca_bundle == str(tmp_path / "env.pem")
    given = build_parser().parse_args(["drill", "failover", "--stack-name", "s", "--ca-bundle", "x.pem"])
    assert given.ca_bundle == "x.pem"
    monkeypatch.delenv("TAPCHECK_CA_BUNDLE")
    assert build_parser().parse_args(["smoke", "--stack-name", "s"]).ca_bundle is None
