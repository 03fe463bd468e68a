"""A tiny PostgreSQL-speaking listener on loopback that records what a client sends: whether it
asked for TLS, whether the handshake completed, the startup message, and above all whether a
password message ('p') ever arrived. It plays the server a client must not trust — a certificate
from another CA, a request for a cleartext or MD5 password, a plaintext server asking for a password —
so a test can show that tapcheck's connections send no password to it.

Protocol (https://www.postgresql.org/docs/15/protocol-flow.html, protocol-message-formats.html):
SSLRequest is int32 8, int32 80877103, answered 'S' (then the TLS handshake) or 'N'; the startup
message is int32 length, int32 196608, then name/value pairs; AuthenticationCleartextPassword is
'R' int32 8 int32 3, AuthenticationMD5Password 'R' int32 12 int32 5 + 4 salt bytes; the client
answers with a PasswordMessage 'p'; ErrorResponse is 'E' with S/V/C/M fields.
"""

from __future__ import annotations

import socket
import ssl
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

SSL_REQUEST = 80877103
GSSENC_REQUEST = 80877104
PROTOCOL_3 = 196608


@dataclass
class Seen:
    tls_requested: bool = False
    handshake: str = ""  # "done", or the server side's error
    startup: dict = field(default_factory=dict)
    password_messages: list[bytes] = field(default_factory=list)
    connections: int = 0
    handled: int = 0  # connections the listener has finished with


def _read_exact(conn, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError("client went away")
        data += chunk
    return data


def _error(message: str, code: str = "28000") -> bytes:
    body = (
        b"".join(k + v.encode() + b"\0" for k, v in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", code), (b"M", message)))
        + b"\0"
    )
    return b"E" + struct.pack("!i", len(body) + 4) + body


class Listener:
    """Serves one behaviour on 127.0.0.1:<port> until closed. `auth`: "cleartext", "md5" (request that
    password) or "hba-plaintext" (refuse plaintext as pg_hba does). `cert`/`key`: offer TLS with them."""

    def __init__(self, auth: str, cert: Path | None = None, key: Path | None = None, host: str = "127.0.0.1"):
        self.auth, self.seen = auth, Seen()
        self.context = None
        if cert is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(str(cert), str(key))
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(8)
        self.host, self.port = host, self.sock.getsockname()[1]
        self._stop = False
        self._done = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.seen.connections += 1
            try:
                with conn:
                    conn.settimeout(5)
                    self._one(conn)
            except (OSError, ConnectionError, ssl.SSLError, struct.error):
                pass
            finally:
                with self._done:
                    self.seen.handled += 1
                    self._done.notify_all()

    def wait(self, connections: int, timeout: float = 10.0) -> Seen:
        """What the listener saw, once it has finished with `connections` connections: the client's
        error can reach the test before the listener has recorded its side."""
        with self._done:
            assert self._done.wait_for(lambda: self.seen.handled >= connections, timeout), self.seen
        return self.seen

    def _one(self, conn) -> None:
        while True:
            length, code = struct.unpack("!ii", _read_exact(conn, 8))
            if code == GSSENC_REQUEST:
                conn.sendall(b"N")
                continue
            if code == SSL_REQUEST:
                self.seen.tls_requested = True
                if self.context is None:
                    conn.sendall(b"N")
                    continue
                conn.sendall(b"S")
                try:
                    conn = self.context.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    self.seen.handshake = f"failed: {e}"
                    return
                self.seen.handshake = "done"
                continue
            break
        body = _read_exact(conn, length - 8)
        parts = body.split(b"\0")
        self.seen.startup = {parts[i].decode(): parts[i + 1].decode() for i in range(0, len(parts) - 1, 2) if parts[i]}
        if self.auth == "hba-plaintext":
            conn.sendall(
                _error(
                    f'no pg_hba.conf entry for host "127.0.0.1", user "{self.seen.startup.get("user")}", '
                    f'database "{self.seen.startup.get("database")}", no encryption'
                )
            )
            return
        if self.auth == "cleartext":
            conn.sendall(b"R" + struct.pack("!ii", 8, 3))
        else:
            conn.sendall(b"R" + struct.pack("!ii", 12, 5) + b"salt")
        kind = _read_exact(conn, 1)
        size = struct.unpack("!i", _read_exact(conn, 4))[0]
        payload = _read_exact(conn, size - 4)
        if kind == b"p":
            self.seen.password_messages.append(payload)
        conn.sendall(_error("password authentication failed for user", "28P01"))

    def close(self) -> None:
        self._stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the accept() of the serving thread (Linux)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
