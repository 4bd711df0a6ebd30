"""A partner's software (not docflow) may send a document id longer than docflow keeps: the message is refused
as invalid (400, nothing kept, not retried) instead of failing in the database (a 500 the partner retries for
ever on PostgreSQL, or on SQLite an id kept longer than its column)."""

from __future__ import annotations

from typing import Any

import pytest

from docflow.errors import ValidationError
from docflow.exchange import Status, edxml
from docflow.models import ExchangeMessage
from tests.conftest import pdf_bytes
from tests.exchange.partner import PARTNER_ID
from tests.services.exchange.wards import Ward, ward  # noqa: F401 - the fixture

LONG_ID = f"{PARTNER_ID},2026/12/05,15/QĐ-UBND-{'X' * 320}"


def _foreign_seal(ward: Ward, monkeypatch: Any, message: Any) -> bytes:
    """Sealed as another vendor's software would: without docflow's own checks of what it builds."""
    with monkeypatch.context() as patch:
        patch.setattr(edxml, "check_message", lambda _message: None)
        return ward.partner.seal(message)


def test_a_document_with_an_overlong_document_id_is_refused_and_nothing_kept(ward: Ward, monkeypatch: Any) -> None:
    data = _foreign_seal(ward, monkeypatch, ward.partner.edoc(pdf_bytes("long id"), document_id=LONG_ID))
    with pytest.raises(ValidationError, match="longer than"):
        ward.receive(data)
    assert ward.session.query(ExchangeMessage).count() == 0


def test_a_status_with_an_overlong_document_id_is_refused(ward: Ward, monkeypatch: Any) -> None:
    with pytest.raises(ValidationError, match="longer than"):
        ward.receive(_foreign_seal(ward, monkeypatch, ward.partner.status(LONG_ID, Status.ACCEPTED)))
