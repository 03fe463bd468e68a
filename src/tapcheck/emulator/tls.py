"""The emulator's own certificate authority: one per emulator run, in its data directory, issuing
each emulated cluster's server certificate (the cluster's endpoint addresses as subject alternative
names), so that a client verifies the server as it does on AWS (`sslmode=verify-full` against a CA
bundle) and the local target trusts this CA alone.

On AWS "Amazon RDS creates an SSL certificate for your PostgreSQL DB instance when the instance is
created. If you enable SSL certificate verification, then the SSL certificate includes the DB
instance endpoint as the Common Name (CN) for the SSL certificate to guard against spoofing
attacks." (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html).
The emulator's endpoints are loopback addresses, so they are IP address SANs, which libpq matches
for verify-full (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBQ-SSL-CERTIFICATES).

Layout under the emulator's data directory: tls/ca.crt (the CA certificate the local target
trusts, recorded in the emulator's state) and tls/ca.key (0600), in a 0700 directory made in one
rename, so a reader never sees half of it. The CA lives and dies with the data directory.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import threading
import uuid
from pathlib import Path

TLS_DIR = "tls"
CA_CERT = "ca.crt"
CA_KEY = "ca.key"
# Long enough for any emulator run; the CA is made again by the next run.
VALID_DAYS = 365
_lock = threading.Lock()


def ca_cert_path(root: str | os.PathLike[str]) -> Path:
    return Path(root) / TLS_DIR / CA_CERT


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _pem_cert(cert) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return cert.public_bytes(serialization.Encoding.PEM)


def make_ca(common_name: str):
    """(key, certificate) of a new self-signed CA (also used by tests for "another CA")."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def issue(ca_key, ca_cert, hosts: list[str], common_name: str):
    """(key, certificate) for a server answering on `hosts` (IP addresses or DNS names), signed by the CA."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = _key()
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def ensure_ca(root: str | os.PathLike[str]) -> Path:
    """The emulator's CA certificate under `root`, made (once) if it is not there yet."""
    root = Path(root)
    final = root / TLS_DIR
    with _lock:
        if (final / CA_CERT).is_file() and (final / CA_KEY).is_file():
            return final / CA_CERT
        scratch = root / f".{TLS_DIR}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        scratch.mkdir(mode=0o700)
        try:
            key, cert = make_ca(f"tapcheck emulator CA {root.name}")
            key_path = scratch / CA_KEY
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(_pem_key(key))
            (scratch / CA_CERT).write_bytes(_pem_cert(cert))
            try:
                os.rename(scratch, final)  # one step; another process that won the race keeps its CA
            except OSError:
                if not (final / CA_CERT).is_file():
                    raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return final / CA_CERT


def issue_server_certificate(
    root: str | os.PathLike[str], hosts: list[str], cert_path: Path, key_path: Path, common_name: str
) -> None:
    """Write a server certificate for `hosts`, signed by the emulator's CA under `root`, and its key (0600)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    ca_cert_file = ensure_ca(root)
    ca_cert = x509.load_pem_x509_certificate(ca_cert_file.read_bytes())
    ca_key = serialization.load_pem_private_key((ca_cert_file.parent / CA_KEY).read_bytes(), password=None)
    key, cert = issue(ca_key, ca_cert, hosts, common_name)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(_pem_key(key))
    cert_path.write_bytes(_pem_cert(cert))
