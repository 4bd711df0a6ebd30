"""What an edXML message says (QCVN 102:2016/BTTTT), as plain values: the organs, the document's header, the
signed PDF attached, and the status code of a status message (R65, R66)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from docflow.errors import N_, ValidationError


class Kind:
    """The message types of the axis (R65), as written in the message."""
    EDOC = "edoc"
    STATUS = "status"
    REVOCATION = "revocation"      # thu hồi: the sender recalls the document
    REPLACEMENT = "replacement"    # a new document replaces the one named in ``related_document_id``
    UPDATE = "update"              # the document's metadata changed


KINDS = (Kind.EDOC, Kind.STATUS, Kind.REVOCATION, Kind.REPLACEMENT, Kind.UPDATE)
# The kinds that carry a document header (and, except update, its signed PDF).
DOCUMENT_KINDS = (Kind.EDOC, Kind.REPLACEMENT, Kind.UPDATE)


class Status:
    """The status codes of R66."""
    RECEIVED = "01"          # received by the software; the clerk has not acted yet
    REFUSED = "02"           # returned to the sender, with a reason
    ACCEPTED = "03"          # registered (số đến given)
    ASSIGNED = "04"          # a leader directed it
    IN_PROGRESS = "05"       # a handler started on it
    COMPLETED = "06"
    RECALL_REQUESTED = "13"
    RECALL_AGREED = "14"     # recall or update agreed
    RECALL_REFUSED = "15"


STATUS_CODES = (Status.RECEIVED, Status.REFUSED, Status.ACCEPTED, Status.ASSIGNED, Status.IN_PROGRESS,
                Status.COMPLETED, Status.RECALL_REQUESTED, Status.RECALL_AGREED, Status.RECALL_REFUSED)
# Codes that need a description saying why.
NEEDS_REASON = (Status.REFUSED, Status.RECALL_REFUSED)

MAX_DOCUMENT_ID = 300   # ExchangeMessage / ExchangeInbox / ExchangeDelivery.document_ref
ORGAN_ID = re.compile(r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[0-9A-Z]{3}$")   # 000.00.01.H99
MAX_TEXT = 2000


@dataclass(frozen=True)
class Organ:
    organ_id: str
    name: str = ""


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes = field(repr=False)
    content_type: str = "application/pdf"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class DocumentHeader:
    """The document's metadata in the message header."""
    code_number: str              # "15"
    code_notation: str            # "QĐ-UBND"
    promulgation_date: date
    place: str                    # "Phường Tích Sơn"
    type_code: str                # docflow's doc_type code ("quyet_dinh")
    type_name: str                # "Quyết định"
    subject: str                  # trích yếu
    signer_competence: str = ""   # "TM. ỦY BAN NHÂN DÂN"
    signer_position: str = ""     # "Chủ tịch"
    signer_full_name: str = ""
    steering_type: str = "1"      # 1: văn bản thường (the axis's code)
    priority: str = "0"           # 0 normal .. 3 express (docflow's urgency rank)
    due_date: date | None = None

    @property
    def notation(self) -> str:
        """"15/QĐ-UBND", the number and symbol as the document writes them."""
        return f"{self.code_number}/{self.code_notation}" if self.code_number else self.code_notation


@dataclass(frozen=True)
class TraceEntry:
    organ_id: str
    at: datetime


@dataclass(frozen=True)
class Message:
    kind: str
    message_id: str
    sender: Organ
    receiver: Organ
    sent_at: datetime
    document_id: str              # the document the message is about: "OrganId,yyyy/MM/dd,Notation"
    header: DocumentHeader | None = None
    attachments: tuple[Attachment, ...] = ()
    status_code: str = ""         # status messages
    description: str = ""         # the reason of a refusal, a recall, an update
    related_document_id: str = ""  # replacement: the document replaced
    trace: tuple[TraceEntry, ...] = ()


def document_id(organ_id: str, day: date, notation: str) -> str:
    """``000.00.01.H99,2026/12/06,15/QĐ-UBND`` (R66)."""
    return f"{organ_id},{day:%Y/%m/%d},{notation}"


def split_document_id(value: str) -> tuple[str, date, str]:
    """The organ id, date and notation of a document id. Raises ValidationError."""
    parts = value.split(",", 2)
    try:
        if len(parts) != 3 or not ORGAN_ID.match(parts[0]) or not parts[2]:
            raise ValueError(value)
        return parts[0], datetime.strptime(parts[1], "%Y/%m/%d").date(), parts[2]
    except ValueError:
        raise ValidationError(N_("The message's document id is not of the form OrganId,yyyy/MM/dd,Notation."),
                              field="document_id") from None


def check_message(message: Message) -> None:
    """What every message must hold, whether built here or read from another agency. Raises ValidationError."""
    if message.kind not in KINDS:
        raise ValidationError(N_("The message type is not one the exchange knows."), field="kind")
    # An export with no addressee (``docflow exchange export`` without --to) has an empty receiver.
    for organ in (message.sender, message.receiver):
        if not ORGAN_ID.match(organ.organ_id) and (organ is message.sender or organ.organ_id):
            raise ValidationError(N_("An organ id in the message is not of the form 000.00.00.H00."),
                                  field="organ_id")
    split_document_id(message.document_id)
    if max(len(message.document_id), len(message.related_document_id)) > MAX_DOCUMENT_ID:
        # kept in columns of that size: longer, a partner's message would fail in the database and be retried
        raise ValidationError(N_("The message's document id is longer than %(limit)s characters."),
                              field="document_id", limit=MAX_DOCUMENT_ID)
    if message.kind in DOCUMENT_KINDS and message.header is None:
        raise ValidationError(N_("The message has no document header."), field="header")
    if message.kind in (Kind.EDOC, Kind.REPLACEMENT) and not message.attachments:
        raise ValidationError(N_("The message carries no signed document."), field="attachments")
    if message.kind == Kind.STATUS and message.status_code not in STATUS_CODES:
        raise ValidationError(N_("The status code is not one the exchange knows."), field="status_code")
    if message.kind == Kind.REPLACEMENT and not message.related_document_id:
        raise ValidationError(N_("A replacement message must name the document it replaces."),
                              field="related_document_id")
    if message.status_code in NEEDS_REASON and not message.description.strip():
        raise ValidationError(N_("This status needs a reason."), field="description")
