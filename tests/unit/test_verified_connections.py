"""A password goes only to a server that proved itself, and only in a SCRAM exchange (live/tls.py):
against a listener on loopback that records what it receives (pg_listener.py), a server with a
certificate from another CA, for another address, or asking for a cleartext or MD5 password gets no
password message; the same listener does get one from a client without those options (so the
listener can see a password when one is sent). H1's plaintext attempt sends none either, even with
PGPASSWORD set, and R6's negative login is one random wrong password, once per endpoint, for the
master user alone."""

from __future__ import annotations

import psycopg
import pytest
from pg_listener import Listener

from tapcheck.emulator import tls as emulator_tls
from tapcheck.live.context import Context, Fail
from tapcheck.live.target import Target

PASSWORD = "Real-secret-password-0123456789a"


def _write(tmp_path, name: str, key, cert) -> tuple:
    from tapcheck.emulator.tls import _pem_cert, _pem_key

    crt, k = tmp_path / f"{name}.crt", tmp_path / f"{name}.key"
    crt.write_bytes(_pem_cert(cert))
    k.write_bytes(_pem_key(key))
    return crt, k


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """Two CAs: `trusted` (the bundle the client is given) and `other`; server certificates from each."""
    tmp = tmp_path_factory.mktemp("pki")
    trusted_key, trusted = emulator_tls.make_ca("trusted CA")
    other_key, other = emulator_tls.make_ca("other CA")
    bundle, _ = _write(tmp, "trusted-ca", trusted_key, trusted)
    return {
        "bundle": bundle,
        "good": _write(tmp, "good", *emulator_tls.issue(trusted_key, trusted, ["127.0.0.1"], "good")),
        "foreign": _write(tmp, "foreign", *emulator_tls.issue(other_key, other, ["127.0.0.1"], "foreign")),
        "elsewhere": _write(tmp, "elsewhere", *emulator_tls.issue(trusted_key, trusted, ["127.0.0.2"], "elsewhere")),
    }


def _ctx(pki, listener: Listener) -> Context:
    target = Target("aws", "us-east-1", ca_bundle=str(pki["bundle"]))
    return Context(
        target,
        "tapstack-prod",
        db_host=listener.host,
        db_port=listener.port,
        db_reader_host=listener.host,
        db_reader_port=listener.port,
    )


def _attempt(ctx: Context) -> str:
    with pytest.raises(psycopg.OperationalError) as info:
        ctx.attempt("writer", user="dbadmin", password=PASSWORD, dbname="transactiondb")
    return " ".join(str(info.value).split())


def _raw(listener: Listener, **options) -> None:
    """A client without tapcheck's options, to show what the listener sees when a password is sent."""
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(
            host=listener.host,
            port=listener.port,
            user="dbadmin",
            password=PASSWORD,
            dbname="transactiondb",
            connect_timeout=5,
            gssencmode="disable",
            **options,
        )


def test_a_server_with_a_certificate_from_another_ca_is_refused_before_anything_is_sent(pki) -> None:
    with Listener("cleartext", *pki["foreign"]) as listener:
        error = _attempt(_ctx(pki, listener))
        assert "certificate verify failed" in error, error
        seen = listener.wait(1)
        assert seen.tls_requested and seen.handshake.startswith("failed")
        assert seen.startup == {} and seen.password_messages == []
        _raw(listener, sslmode="require")  # the same server, not verified: it gets the password
        assert [bytes(m) for m in listener.wait(2).password_messages] == [PASSWORD.encode() + b"\0"]


def test_a_server_certificate_for_another_address_is_refused(pki) -> None:
    with Listener("cleartext", *pki["elsewhere"]) as listener:
        error = _attempt(_ctx(pki, listener))
        assert "does not match host name" in error or "127.0.0.1" in error, error
        seen = listener.wait(1)
        assert seen.startup == {} and seen.password_messages == []


@pytest.mark.parametrize("auth, asked", [("cleartext", "cleartext password"), ("md5", "hashed password")])
def test_a_verified_server_asking_for_a_password_other_than_by_scram_gets_none(pki, auth, asked) -> None:
    with Listener(auth, *pki["good"]) as listener:
        error = _attempt(_ctx(pki, listener))
        assert 'authentication method requirement "scram-sha-256,none" failed' in error and asked in error, error
        seen = listener.wait(1)
        assert seen.handshake == "done" and seen.startup["user"] == "dbadmin"
        assert seen.password_messages == []
        _raw(listener, sslmode="verify-full", sslrootcert=str(pki["bundle"]))  # without require_auth it is sent
        assert len(listener.wait(2).password_messages) == 1


def test_h1s_plaintext_attempt_sends_no_password_even_with_pgpassword_set(pki, monkeypatch) -> None:
    from tapcheck.rules.h01_tls.probes import _plaintext_refused

    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    with Listener("cleartext") as listener:
        with pytest.raises(Fail) as info:
            _plaintext_refused(_ctx(pki, listener), "writer", "dbadmin", "transactiondb")
        assert "reach password authentication (it asked for a password, which was not sent)" in str(info.value)
        seen = listener.wait(1)
        assert not seen.tls_requested and seen.startup["user"] == "dbadmin"
        assert seen.password_messages == []


def test_h1_takes_pg_hbas_refusal_of_plaintext_as_the_proof(pki) -> None:
    from tapcheck.rules.h01_tls.probes import _plaintext_refused

    with Listener("hba-plaintext") as listener:
        text = _plaintext_refused(_ctx(pki, listener), "writer", "dbadmin", "transactiondb")
        assert (
            'no pg_hba.conf entry for host "127.0.0.1", user "dbadmin", database "transactiondb", no encryption' in text
        )
        assert listener.wait(1).password_messages == []


class _Recording(Context):
    """A Context whose login attempts are recorded and refused as a server asking for a password does."""

    def __init__(self) -> None:
        super().__init__(
            Target("aws", "us-east-1", ca_bundle="/unused"),
            "tapstack-prod",
            db_host="127.0.0.1",
            db_port=5432,
            db_reader_host="127.0.0.2",
            db_reader_port=5432,
        )
        self.__dict__["secret"] = {"username": "dbadmin", "password": PASSWORD, "dbname": "transactiondb"}
        self.tries: list[tuple[str, str, str]] = []
        self.logins: list[str] = []

    def connect(self, role="writer", dbname=None):
        import contextlib

        self.logins.append(role)
        return contextlib.nullcontext()

    def attempt(self, role, *, user, password, dbname, replication=False):
        self.tries.append((role, user, password))
        raise psycopg.OperationalError('connection failed: FATAL:  password authentication failed for user "dbadmin"')


def test_r6_tries_one_random_wrong_password_per_endpoint_for_the_master_user_only() -> None:
    from tapcheck.rules.r06_secret.probes import password_required

    ctx = _Recording()
    details = [password_required(ctx, role) for role in ("writer", "reader")]
    assert details == [
        "writer: a wrong password is refused for the master user dbadmin",
        "reader: a wrong password is refused for the master user dbadmin",
    ]
    assert [(role, user) for role, user, _ in ctx.tries] == [("writer", "dbadmin"), ("reader", "dbadmin")]
    assert ctx.logins == ["writer", "reader"]  # the secret's own login first: not a failed one
    wrong = [password for _, _, password in ctx.tries]
    assert PASSWORD not in wrong and len(set(wrong)) == 2 and all(len(w) >= 24 for w in wrong)
