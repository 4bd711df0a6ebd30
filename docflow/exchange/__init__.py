"""edXML messages between agencies (QCVN 102:2016/BTTTT): build, sign, read and verify. Bytes and values in,
bytes and values out: nothing here imports the database or Flask (like ``docflow.signing``).

    message.py   Message, Organ, DocumentHeader, Attachment, the kinds and status codes (R65, R66)
    edxml.py     the envelope from and to a Message; safe reading (no DTD, no entities, a size limit)
    xmlsig.py    XMLDSig by the ward's system key; verification against the sender's registered root only
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509

from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.exchange import edxml, xmlsig
from docflow.exchange.message import (
    KINDS,
    STATUS_CODES,
    Attachment,
    DocumentHeader,
    Kind,
    Message,
    Organ,
    Status,
    TraceEntry,
    document_id,
    split_document_id,
)

__all__ = ["KINDS", "STATUS_CODES", "Attachment", "DocumentHeader", "Kind", "Message", "Opened", "Organ", "Status",
           "TraceEntry", "document_id", "open_message", "seal", "split_document_id"]


@dataclass(frozen=True)
class Opened:
    """A verified message and who signed it."""
    message: Message
    signer: str


def seal(message: Message, *, key: xmlsig.PrivateKey, chain: Sequence[asn1_x509.Certificate]) -> bytes:
    """The signed edXML bytes of ``message``. Raises ValidationError for a message that breaks the rules."""
    return xmlsig.sign(edxml.build(message), key=key, chain=chain)


def open_message(data: bytes, *, root_for: Callable[[str], bytes | None], moment: datetime,
                 max_bytes: int = edxml.MAX_MESSAGE_BYTES) -> Opened:
    """Read, verify and parse message bytes. ``root_for(organ_id)`` is the trust root (PEM) registered for
    that sender, or None when the sender is not a partner.

    Raises ValidationError (malformed, altered, bad signature, another root), PermissionDeniedError (sender
    not registered).
    """
    root = edxml.read_tree(data, max_bytes=max_bytes)
    claimed = edxml.sender_organ_id(root)
    trust_root = root_for(claimed)
    if trust_root is None:
        raise PermissionDeniedError(N_("The sender %(organ_id)s is not a registered exchange partner."),
                                    organ_id=claimed[:30])
    signed, signer = xmlsig.verify(root, trust_root_pem=trust_root, moment=moment)
    message = edxml.parse(signed)
    if message.sender.organ_id != claimed:
        raise ValidationError(N_("The message's signature does not cover the whole envelope."))
    return Opened(message=message, signer=signer)
