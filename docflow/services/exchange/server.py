"""`docflow exchange serve`: the HTTPS endpoint other agencies deliver messages to (POST /edxml), apart from
the intranet UI. Mutual TLS: the ward's server certificate; a client certificate is REQUIRED and must chain to
the trust root of a registered, active partner (re-read every few seconds, so a partner added or deactivated
counts without a restart); a message is taken in only when its sender is the partner whose root issued the
connection's certificate. 2xx only after commit (``inbound.take_in``)."""

from __future__ import annotations

import hashlib
import json
import logging
import ssl
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from docflow.config_exchange import ExchangeSettings
from docflow.errors import ConfigurationError
from docflow.services.exchange.inbound import Inbound
from docflow.services.exchange.ports import PartnerRoot

log = logging.getLogger(__name__)
PATH = "/edxml"
ROOTS_TTL_SECONDS = 5.0
HANDSHAKE_TIMEOUT_SECONDS = 30
_DER = 2   # _ssl.ENCODING_DER: the private Certificate objects' public_bytes format


def verified_chain(connection: ssl.SSLSocket) -> list[bytes]:
    """The client's chain as the TLS layer verified it, DER, leaf first and root last; [] if not to be had."""
    getter = getattr(connection, "get_verified_chain", None)   # public from Python 3.13
    if getter is None:
        # Python 3.10 to 3.12 have it on the private _sslobj only (bpo-18233); without it, the leaf alone
        getter = getattr(getattr(connection, "_sslobj", None), "get_verified_chain", None)
    if getter is None:
        return []
    return [c if isinstance(c, bytes) else c.public_bytes(_DER) for c in getter()]


def organs_of(chain: list[bytes], roots: list[PartnerRoot]) -> frozenset[str]:
    """The partners whose registered root the client's certificate chains to: the verified chain's last
    certificate is that root; with the leaf alone, the root must have issued it directly."""
    found = set()
    for root in roots:
        for certificate in x509.load_pem_x509_certificates(root.trust_root_pem):
            if len(chain) > 1 and certificate.public_bytes(serialization.Encoding.DER) == chain[-1]:
                found.add(root.organ_id)
            elif len(chain) == 1 and _issued_by(x509.load_der_x509_certificate(chain[0]), certificate):
                found.add(root.organ_id)
    return frozenset(found)


def _issued_by(leaf: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        leaf.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


class TlsContexts:
    """The server's TLS context, rebuilt when the partners' roots change."""

    def __init__(self, settings: ExchangeSettings, roots: Callable[[], list[PartnerRoot]], *,
                 ttl_seconds: float = ROOTS_TTL_SECONDS) -> None:
        if settings.server_cert is None or settings.server_key is None:
            raise ConfigurationError("exchange.server_cert and exchange.server_key are needed to serve")
        self._settings, self._roots, self._ttl = settings, roots, ttl_seconds
        self._lock = threading.Lock()
        self._checked, self._digest = 0.0, ""
        self._context: ssl.SSLContext | None = None
        self.current_roots: list[PartnerRoot] = []

    def context(self) -> ssl.SSLContext:
        with self._lock:
            if self._context is None or time.monotonic() - self._checked >= self._ttl:
                self._refresh()
            if self._context is None:   # _refresh always sets one; this satisfies the type checker
                raise ConfigurationError("no TLS context")
            return self._context

    def _refresh(self) -> None:
        roots = self._roots()
        digest = hashlib.sha256(b"".join(r.organ_id.encode() + b"\0" + r.trust_root_pem for r in roots)).hexdigest()
        self._checked = time.monotonic()
        if self._context is not None and digest == self._digest:
            return
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(self._settings.server_cert), str(self._settings.server_key))
        context.verify_mode = ssl.CERT_REQUIRED
        pems = b"".join(r.trust_root_pem for r in roots)
        if pems:
            context.load_verify_locations(cadata=pems.decode("ascii"))
        self._context, self._digest, self.current_roots = context, digest, roots


Handle = Callable[[bytes, frozenset[str]], Inbound]


class ExchangeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, settings: ExchangeSettings, tls: TlsContexts, handle: Handle,
                 scope: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        self.settings, self.tls, self.handle, self.scope = settings, tls, handle, scope
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[Any, Any]:
        connection, address = self.socket.accept()
        # the handshake runs in the request's thread (a slow client must not hold up the others)
        wrapped = self.tls.context().wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return wrapped, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], _Refused):   # a refused handshake was logged already
            log.warning("exchange connection from %s failed", client_address[0], exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: ExchangeServer
    protocol_version = "HTTP/1.1"
    server_version = "docflow-exchange"
    sys_version = ""

    def setup(self) -> None:
        connection: ssl.SSLSocket = self.request
        connection.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            connection.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            # an unknown client certificate, none, or plain HTTP: refused at the TLS layer, nothing read
            log.info("exchange TLS handshake from %s refused: %s", self.client_address[0], exc)
            raise _Refused from None
        super().setup()

    def do_POST(self) -> None:
        if self.path != PATH:
            return self._answer(404, "not found")
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            return self._answer(411, "Content-Length required")
        if int(length) > self.server.settings.max_message_bytes:
            return self._answer(413, "message too large")
        data = self.rfile.read(int(length))
        connection: ssl.SSLSocket = self.request
        peer = connection.getpeercert(binary_form=True)
        chain = verified_chain(connection) or ([peer] if peer else [])
        organs = organs_of(chain, self.server.tls.current_roots)
        if not organs:
            return self._answer(403, "the client certificate is not issued by a registered partner's root")
        with self.server.scope():
            inbound = self.server.handle(data, organs)
        self._answer(inbound.status, inbound.message, inbound)

    def do_GET(self) -> None:
        self._answer(405, "POST edXML messages to /edxml")

    def _answer(self, status: int, message: str, inbound: Inbound | None = None) -> None:
        body = json.dumps({"status": status, "message": message, "kind": inbound.kind if inbound else "",
                           "sender": inbound.sender_organ_id if inbound else ""}, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("exchange %s %s", self.client_address[0], format % args)


class _Refused(Exception):
    """The TLS handshake failed: the connection is closed without a word."""


def serve_in_thread(server: ExchangeServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="docflow-exchange-server", daemon=True)
    thread.start()
    return thread

