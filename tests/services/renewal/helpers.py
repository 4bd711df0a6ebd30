"""An issued document whose signing certificates expire in two days (so its renewal is due under any margin
above that), and the savepoint transactions the renewal run takes."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from docflow.models import Document, Role
from docflow.services import keys as key_service
from docflow.signing.base import CertificateKind
from tests.conftest import SIGNING_PIN
from tests.services.outgoing.test_outgoing import Ward
from tests.services.signatures.test_chaincheck import _issued

SHORT_DAYS = 2


def short_lived(settings: Any) -> Any:
    """The settings with certificates valid for SHORT_DAYS days."""
    return dataclasses.replace(settings, signing=dataclasses.replace(settings.signing,
                                                                     certificate_validity_days=SHORT_DAYS))


def issue_short_certificates(db_session: Session, settings: Any, ward: Ward, make_user: Any) -> None:
    """New certificates for the signer and the ward's seal that expire in SHORT_DAYS days (used from now on)."""
    admin = make_user(Role.ADMIN)
    short = short_lived(settings)
    key_service.issue_certificate(db_session, settings=short, actor=admin, holder=ward.leader,
                                  kind=CertificateKind.PERSONAL, pin=SIGNING_PIN)
    key_service.issue_certificate(db_session, settings=short, actor=admin, holder=None,
                                  kind=CertificateKind.ORGANISATION, pin=SIGNING_PIN)


def issued_short(db_session: Session, settings: Any, store: Any, ward: Ward, make_user: Any) -> Document:
    issue_short_certificates(db_session, settings, ward, make_user)
    return _issued(db_session, settings, store, ward)


def savepoint(db_session: Session) -> Any:
    @contextmanager
    def transaction() -> Iterator[Session]:
        with db_session.begin_nested():
            yield db_session
    return transaction
