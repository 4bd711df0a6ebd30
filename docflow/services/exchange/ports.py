"""What the transport needs from the rest of the exchange: the partners (endpoint URL and trust root of each
registered, active partner) and the receiving of a message. Both come from the exchange messages
(``docflow.services.exchange.partners`` / ``receive``); the transport takes them as arguments, so that it is
tested on its own and the commands wire the real ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from docflow.config import Settings
    from docflow.models import Organisation
    from docflow.storage import DocumentStore


@dataclass(frozen=True)
class PartnerEndpoint:
    """Where a partner takes messages: ``https://host:port/edxml`` (mutual TLS) or ``folder:/path``, and the
    root its server certificate must chain to (PEM)."""
    organ_id: str
    url: str
    trust_root_pem: bytes


@dataclass(frozen=True)
class PartnerRoot:
    """A registered, active partner's trust root (PEM): its client certificates must chain to it."""
    organ_id: str
    trust_root_pem: bytes


class PartnerDirectory(Protocol):
    def endpoint(self, session: Session, *, organisation_id: int, organ_id: str) -> PartnerEndpoint | None:
        """The active partner ``organ_id`` of the ward, or None (unknown, inactive, or no URL)."""

    def trust_roots(self, session: Session, *, organisation_id: int) -> list[PartnerRoot]:
        """The roots of the ward's active partners."""


class Received(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def sender_organ_id(self) -> str: ...


class Receiver(Protocol):
    def __call__(self, session: Session, *, organisation: Organisation, data: bytes, settings: Settings,
                 store: DocumentStore, now: datetime) -> Received:
        """Take one message in (flush, never commit). Raises ValidationError (bad or altered message) or
        PermissionDeniedError (unknown sender, root not registered for it): both are refusals for good."""
