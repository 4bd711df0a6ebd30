"""A ward's closed year for the archive transfer tests: a file holding an issued outgoing document (signed by the
leader, sealed by the clerk) and an incoming document registered from another body's signed PDF; the system key
that signs checkpoints and the manifest; the ward's organ identifier."""

from __future__ import annotations

import dataclasses
import io
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from docflow.models import Document, DocumentKind, RecordFile
from docflow.services import incoming, records
from docflow.services.audit import CHECKPOINTER
from docflow.services.audit.checkpoints import Checkpointer
from docflow.services.documents import DocumentInput, UploadedFile
from docflow.signing.base import CertificateKind
from tests.services.outgoing.test_outgoing import Ward
from tests.services.records.helpers import NOW, open_file
from tests.services.signatures.test_chaincheck import _issued

ORGAN_ID = "000.00.00.H41"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2026


@dataclass
class ClosedYear:
    record: RecordFile
    outgoing: Document
    incoming: Document


def with_organ_id(settings: Any, organ_id: str = ORGAN_ID) -> Any:
    return dataclasses.replace(settings, app=dataclasses.replace(settings.app, organ_id=organ_id))


@pytest.fixture
def checkpointer(db_session: Session, issue_cert: Any, signing_settings: Any) -> Any:
    issue_cert(None, CertificateKind.SYSTEM)
    db_session.info[CHECKPOINTER] = Checkpointer(signing_settings)
    yield db_session.info[CHECKPOINTER]
    db_session.info.pop(CHECKPOINTER, None)


def register_signed(db_session: Session, settings: Any, store: Any, ward: Ward, content: bytes, *,
                    number: int = 45) -> Document:
    data = DocumentInput(kind=DocumentKind.INCOMING, doc_type="cong_van", department_id=None,
                         number_symbol=f"{number}/UBND-VP", issuing_body="UBND phường Bên Cạnh",
                         summary="Về việc phối hợp chỉnh lý hồ sơ địa chính", document_date=None)
    return incoming.register_incoming(db_session, actor=ward.clerk, data=data, store=store, settings=settings,
                                      upload=UploadedFile(io.BytesIO(content), "cong-van-den.pdf")).document


def closed_year(db_session: Session, settings: Any, store: Any, ward: Ward, *, code: str = "01.VP",
                close: bool = True) -> ClosedYear:
    """A file of YEAR's plan with an issued outgoing and a signed incoming document, closed (or left open)."""
    outgoing = _issued(db_session, settings, store, ward)
    received = register_signed(db_session, settings, store, ward, store.read(outgoing.current_version.sha256),
                               number=44 + int(code.split(".")[0]))
    record = open_file(db_session, actor=ward.clerk, year=YEAR, code=code)
    for document in (outgoing, received):
        records.add_document(db_session, actor=ward.clerk, file_id=record.id, document_id=document.id, now=NOW)
    if close:
        records.close_file(db_session, actor=ward.clerk, file_id=record.id, tz=TZ)
    return ClosedYear(record=record, outgoing=outgoing, incoming=received)
