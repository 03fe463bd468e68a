"""How every connection to a stack's database proves the server before a password goes out.

- `sslmode=verify-full` against a CA bundle: libpq checks the server certificate's chain and that its
  name is the host connected to ("verify-full: I want my data encrypted, and I accept the overhead.
  I want to be sure that I connect to a server I trust, and that it's the one I specify",
  https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION). The bundle is, in order:
  the file the user names (--ca-bundle), the emulator's own CA on the local target (emulator/tls.py,
  recorded in its state), AWS's global RDS bundle on the AWS target (ca_bundle.py, fetched once and
  checked against a pinned digest), or, in the in-VPC runner, the copy its package carries.
  AWS: "If your connection parameters specify sslmode=verify-ca or sslmode=verify-full, then your
  client requires the RDS CA certificates to be in their trust store or referenced in the connection
  URL" (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html).
- `require_auth=scram-sha-256,none`: libpq sends a password only in a SCRAM exchange, never in clear
  (password) nor as an MD5 hash, whatever the server asks ("Specifies the authentication method that
  the client requires from the server. If the server does not use the required method to authenticate
  the client, or if the authentication handshake is not fully completed by the server, the connection
  will fail", https://www.postgresql.org/docs/16/libpq-connect.html#LIBPQ-CONNECT-REQUIRE-AUTH; a
  libpq 16 option: psycopg[binary] 3.3.9 ships libpq 18, `psycopg.pq.version()` 180006 here). `none`
  ("the server must not prompt the client for an authentication exchange", same page) lets a verified
  server that authenticates nobody (a pg_hba `trust` line) through without any password going to it,
  so that R6 can name that fault instead of every probe failing on it. Aurora PostgreSQL supports
  SCRAM for passwords in every version
  (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html).
- The one connection made without TLS (H1's proof that the server refuses plaintext) carries no
  password at all: `plaintext()`.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from tapcheck.errors import MissingTool, UsageError

REQUIRE_AUTH = "scram-sha-256,none"  # a password only by SCRAM; see the module's docstring
# No password file is read: a path that cannot exist (/dev/null is no directory), so libpq neither
# finds a password there nor warns about a file that is not a plain one, as it does for /dev/null.
NO_PASSFILE = "/dev/null/none"
REQUIRE_AUTH_LIBPQ = 160000  # require_auth appeared in libpq 16
# The bundle's name inside the in-VPC runner's package (runner.build_zip, runner_handler).
RUNNER_BUNDLE = "rds-ca-bundle.pem"


def check_libpq() -> None:
    """MissingTool (exit 3) when the installed libpq cannot require SCRAM."""
    import psycopg

    version = psycopg.pq.version()
    if version < REQUIRE_AUTH_LIBPQ:
        raise MissingTool(
            "psycopg",
            f"its libpq {version} predates require_auth (libpq 16): a password could go "
            "to a server asking for it in clear",
            "pip install 'psycopg[binary]==3.3.9'",
        )


def verified(ca_bundle: str | Path) -> dict[str, Any]:
    """libpq options for a connection that sends a password: TLS verified against `ca_bundle`, SCRAM only."""
    check_libpq()
    return {
        "sslmode": "verify-full",
        "sslrootcert": str(ca_bundle),
        "require_auth": REQUIRE_AUTH,
        "gssencmode": "disable",
        "passfile": NO_PASSFILE,
    }


def plaintext() -> dict[str, Any]:
    """libpq options for the passwordless plaintext attempt: no TLS and no password. The empty password
    keeps PGPASSWORD out (libpq takes the variable only for an option not given), NO_PASSFILE keeps
    ~/.pgpass out, and require_auth=none makes libpq refuse any authentication the server asks for
    ("none: the server must not prompt the client for an authentication exchange", libpq-connect page
    above) instead of answering it."""
    check_libpq()
    return {
        "sslmode": "disable",
        "gssencmode": "disable",
        "password": "",
        "passfile": NO_PASSFILE,
        "require_auth": "none",
    }


def check_bundle(path: str | Path, option: str = "--ca-bundle") -> str:
    """`path` when it is a readable file of PEM certificates, else UsageError (exit 2)."""
    p = Path(path)
    if not p.is_file():
        raise UsageError(
            f"{option} {path}",
            "is not a file",
            "name the PEM bundle of the RDS certificate authorities "
            "(https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem)",
        )
    try:
        ssl.create_default_context(cafile=str(p))
    except (ssl.SSLError, OSError, ValueError) as e:
        raise UsageError(
            f"{option} {path}",
            f"holds no PEM certificate that can be read ({type(e).__name__})",
            "name a PEM bundle of CA certificates",
        ) from None
    return str(p)


def trust_anchor(target: Any) -> str:
    """The CA bundle connections to `target`'s databases are verified against (see the module's docstring)."""
    if getattr(target, "ca_bundle", None):
        return str(target.ca_bundle)
    if target.local:
        from tapcheck.emulator import tls as emulator_tls

        if target.emulator_root:
            ca = emulator_tls.ca_cert_path(target.emulator_root)
            if ca.is_file():
                return str(ca)
        raise UsageError(
            "emulator",
            "its certificate authority is missing, so no server can be verified",
            "run `tapcheck emulator stop`, then `tapcheck emulator start`",
        )
    from tapcheck.live import ca_bundle

    return str(ca_bundle.bundle_path())
