"""The letters docflow drafts to a citizen (the answer, the apology): a công văn of the office template with
the citizen as addressee, put on the normal outgoing route through outgoing.create_draft, so it is reviewed,
signed and issued like any other document."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from docflow.config import Settings
from docflow.models import Document, Petition, User
# The package, not its names: outgoing's issuing imports petitions.issued, so either may load first.
from docflow.services import outgoing
from docflow.services.documents import UploadedFile
from docflow.storage import DocumentStore

LETTER_TYPE = "cong_van"


def draft_letter(session: Session, *, actor: User, petition: Petition, summary: str, paragraphs: Sequence[str],
                 signer_id: int | None, settings: Settings, store: DocumentStore, now: datetime) -> Document:
    """An outgoing draft addressed to the petition's citizen, drafted by ``actor`` for ``signer_id`` to sign.

    Raises what outgoing.create_draft raises (PermissionDeniedError, ValidationError). Flushes."""
    organisation = actor.organisation
    details = outgoing.DraftDetails(body_code=organisation.code, kinh_gui=(f"Ông/Bà {petition.citizen_name}",),
                                    unit=petition.department.code if petition.department else "",
                                    paragraphs=tuple(paragraphs))
    pdf = outgoing.draft_template_pdf(organisation_name=organisation.name, doc_type=LETTER_TYPE, summary=summary,
                                      details=details)
    data = outgoing.DraftInput(doc_type=LETTER_TYPE, summary=summary, signer_id=signer_id,
                               department_id=petition.department_id)
    return outgoing.create_draft(session, actor=actor, data=data, store=store, settings=settings, now=now,
                                 max_bytes=settings.max_upload_bytes,
                                 upload=UploadedFile(io.BytesIO(pdf), "tra-loi-cong-dan.pdf"))
