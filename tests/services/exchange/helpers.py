"""Shared pieces of the transport's tests: partners kept in memory (the exchange's partner table stands in
until both halves are merged), a savepoint as the transaction, free ports and a running endpoint."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from docflow.config_exchange import ExchangeSettings
from docflow.services.exchange.inbound import Inbound
from docflow.services.exchange.ports import PartnerEndpoint, PartnerRoot
from docflow.services.exchange.server import ExchangeServer, TlsContexts, serve_in_thread
from tests.exchangetls import WardTls


@dataclass
class MemoryDirectory:
    endpoints: dict[str, PartnerEndpoint] = field(default_factory=dict)
    roots: list[PartnerRoot] = field(default_factory=list)

    def endpoint(self, session: Session, *, organisation_id: int, organ_id: str) -> PartnerEndpoint | None:
        return self.endpoints.get(organ_id)

    def trust_roots(self, session: Session, *, organisation_id: int) -> list[PartnerRoot]:
        return list(self.roots)


def savepoint(db_session: Session) -> Any:
    @contextmanager
    def transaction() -> Iterator[Session]:
        with db_session.begin_nested():
            yield db_session
    return transaction


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Recorder:
    """A receiving side that keeps what came in and answers ``status`` (the exchange's receive stands in)."""
    status: int = 200
    sender: str = ""
    got: list[tuple[bytes, frozenset[str]]] = field(default_factory=list)

    def __call__(self, data: bytes, organs: frozenset[str]) -> Inbound:
        self.got.append((data, organs))
        return Inbound(self.status, "received" if self.status == 200 else "refused", "edoc", self.sender)


@contextmanager
def running_endpoint(tls: WardTls, roots: list[PartnerRoot], handle: Any, port: int | None = None,
                     scope: Any = None) -> Iterator[tuple[str, ExchangeServer]]:
    settings = ExchangeSettings(server_cert=tls.server.cert, server_key=tls.server.key)
    server = ExchangeServer(("127.0.0.1", port or free_port()), settings=settings,
                            tls=TlsContexts(settings, lambda: list(roots), ttl_seconds=0), handle=handle,
                            **({"scope": scope} if scope is not None else {}))
    serve_in_thread(server)
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/edxml", server
    finally:
        server.shutdown()
        server.server_close()
