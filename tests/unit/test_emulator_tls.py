"""The emulator's certificate authority (emulator/tls.py): one per data directory, made once, its key
private; each cluster's server certificate is signed by it for the cluster's endpoint addresses."""

from __future__ import annotations

import ipaddress
import stat

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from tapcheck.emulator import tls


def test_the_ca_is_made_once_private_and_in_one_piece(tmp_path) -> None:
    first = tls.ensure_ca(tmp_path)
    assert first == tls.ca_cert_path(tmp_path) == tmp_path / "tls" / "ca.crt"
    text = first.read_bytes()
    assert tls.ensure_ca(tmp_path).read_bytes() == text  # not made again
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "tls" / "ca.key").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tls"]  # no scratch directory left
    ca = x509.load_pem_x509_certificate(text)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True


def test_a_server_certificate_names_the_endpoints_and_is_signed_by_the_ca(tmp_path) -> None:
    crt, key = tmp_path / "server.crt", tmp_path / "server.key"
    (tmp_path / "root").mkdir()
    tls.issue_server_certificate(tmp_path / "root", ["127.0.10.1", "127.0.10.2", "db.example"], crt, key, "cluster")
    ca = x509.load_pem_x509_certificate(tls.ca_cert_path(tmp_path / "root").read_bytes())
    cert = x509.load_pem_x509_certificate(crt.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.10.1"),
        ipaddress.ip_address("127.0.10.2"),
    ]
    assert sans.get_values_for_type(x509.DNSName) == ["db.example"]
    assert cert.issuer == ca.subject
    ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
