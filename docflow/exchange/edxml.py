"""edXML envelopes (QCVN 102:2016/BTTTT) from and to ``Message`` values.

The envelope: ``edXMLHeader`` with the ``MessageHeader`` (From, To, DocumentId, Code, PromulgationInfo,
DocumentType, Subject, SignerInfo, SteeringType, DueDate, OtherInfo/Priority, ResponseFor), the
``TraceHeaderList`` and docflow's ``MessageInfo`` (message id, type, time, status code, description);
``edXMLBody`` with the attachments (base64, with their SHA-256). The XMLDSig signature is appended by
``xmlsig``. Reading is safe: no DTD, no entities, no network, a size limit (``read_tree``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from datetime import date, datetime, timezone

from lxml import etree

from docflow.errors import N_, ValidationError
from docflow.exchange.message import (
    Attachment,
    DocumentHeader,
    Message,
    Organ,
    TraceEntry,
    check_message,
)

NS = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
NSMAP = {"edXML": NS}
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    if text is not None:
        child.text = text
    return child


def _organ(parent: etree._Element, name: str, organ: Organ) -> None:
    element = _add(parent, name)
    _add(element, "OrganId", organ.organ_id)
    _add(element, "OrganName", organ.name)


def _time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _document_header(parent: etree._Element, header: DocumentHeader) -> None:
    code = _add(parent, "Code")
    _add(code, "CodeNumber", header.code_number)
    _add(code, "CodeNotation", header.code_notation)
    promulgation = _add(parent, "PromulgationInfo")
    _add(promulgation, "Place", header.place)
    _add(promulgation, "PromulgationDate", header.promulgation_date.isoformat())
    doc_type = _add(parent, "DocumentType")
    _add(doc_type, "Type", header.type_code)
    _add(doc_type, "TypeName", header.type_name)
    _add(parent, "Subject", header.subject)
    signer = _add(parent, "SignerInfo")
    _add(signer, "Competence", header.signer_competence)
    _add(signer, "Position", header.signer_position)
    _add(signer, "FullName", header.signer_full_name)
    _add(parent, "SteeringType", header.steering_type)
    _add(parent, "DueDate", header.due_date.isoformat() if header.due_date else "")
    _add(_add(parent, "OtherInfo"), "Priority", header.priority)


def build(message: Message) -> etree._Element:
    """The unsigned envelope of ``message``. Raises ValidationError for a message that breaks the rules."""
    check_message(message)
    root = etree.Element(_q("edXMLEnvelope"), nsmap=NSMAP)
    header = _add(root, "edXMLHeader")
    message_header = _add(header, "MessageHeader")
    _organ(message_header, "From", message.sender)
    _organ(message_header, "To", message.receiver)
    _add(message_header, "DocumentId", message.document_id)
    if message.header is not None:
        _document_header(message_header, message.header)
    if message.related_document_id:
        _add(_add(message_header, "ResponseFor"), "DocumentId", message.related_document_id)
    traces = _add(header, "TraceHeaderList")
    for entry in message.trace:
        trace = _add(traces, "TraceHeader")
        _add(trace, "OrganId", entry.organ_id)
        _add(trace, "Timestamp", _time(entry.at))
    info = _add(header, "MessageInfo")
    _add(info, "MessageId", message.message_id)
    _add(info, "MessageType", message.kind)
    _add(info, "SentTime", _time(message.sent_at))
    _add(info, "StatusCode", message.status_code)
    _add(info, "Description", message.description)
    body = _add(root, "edXMLBody")
    for attachment in message.attachments:
        element = _add(body, "Attachment")
        _add(element, "ContentType", attachment.content_type)
        _add(element, "AttachmentName", attachment.name)
        _add(element, "Digest", attachment.sha256).set("algorithm", "sha256")
        _add(element, "Content", base64.b64encode(attachment.data).decode("ascii"))
    return root


def read_tree(data: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> etree._Element:
    """Parse message bytes safely: no DTD (refused), no entity expansion, no network, at most ``max_bytes``.
    Raises ValidationError."""
    if len(data) > max_bytes:
        raise ValidationError(N_("The message is larger than the limit of %(limit)s MB."),
                              limit=max_bytes // (1024 * 1024))
    # huge_tree: a signed PDF in base64 is one text node above libxml2's 10 MB default; the size limit above,
    # no DTD and no entities keep the parse bounded.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=True, remove_blank_text=False)
    try:
        tree = etree.fromstring(data, parser=parser).getroottree()
    except etree.XMLSyntaxError:
        raise ValidationError(N_("The message is not well-formed XML.")) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ValidationError(N_("The message declares a DTD, which the exchange refuses."))
    root = tree.getroot()
    if root.tag != _q("edXMLEnvelope"):
        raise ValidationError(N_("The file is not an edXML message."))
    return root


class _Reader:
    """Required and optional children, each missing one a clear ValidationError."""

    def __init__(self, element: etree._Element) -> None:
        self.element = element

    def child(self, name: str) -> _Reader:
        found = self.element.find(_q(name))
        if found is None:
            raise ValidationError(N_("The message has no %(element)s element."), element=name)
        return _Reader(found)

    def has(self, name: str) -> bool:
        return self.element.find(_q(name)) is not None

    def text(self, name: str) -> str:
        return (self.child(name).element.text or "").strip()


def _read_date(reader: _Reader, name: str, *, required: bool = True) -> date | None:
    value = reader.text(name)
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(N_("The date in %(element)s is not a date."), element=name) from None


def _read_time(value: str, name: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        raise ValidationError(N_("The date in %(element)s is not a date."), element=name) from None


def _read_header(header: _Reader) -> DocumentHeader | None:
    if not header.has("Code"):
        return None
    code, promulgation = header.child("Code"), header.child("PromulgationInfo")
    doc_type, signer = header.child("DocumentType"), header.child("SignerInfo")
    promulgated = _read_date(promulgation, "PromulgationDate")
    if promulgated is None:
        raise ValidationError(N_("The date in %(element)s is not a date."), element="PromulgationDate")
    return DocumentHeader(
        code_number=code.text("CodeNumber"), code_notation=code.text("CodeNotation"),
        promulgation_date=promulgated, place=promulgation.text("Place"),
        type_code=doc_type.text("Type"), type_name=doc_type.text("TypeName"), subject=header.text("Subject"),
        signer_competence=signer.text("Competence"), signer_position=signer.text("Position"),
        signer_full_name=signer.text("FullName"), steering_type=header.text("SteeringType"),
        priority=header.child("OtherInfo").text("Priority"), due_date=_read_date(header, "DueDate", required=False))


def _read_attachment(element: etree._Element) -> Attachment:
    reader = _Reader(element)
    try:
        data = base64.b64decode(reader.text("Content"), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(N_("An attachment of the message is not valid base64.")) from None
    attachment = Attachment(name=reader.text("AttachmentName"), data=data, content_type=reader.text("ContentType"))
    if not hmac.compare_digest(attachment.sha256, reader.text("Digest").lower()):
        raise ValidationError(N_("An attachment does not match its SHA-256 in the message: it was altered."))
    return attachment


def sender_organ_id(root: etree._Element) -> str:
    """The sender's OrganId as the (not yet verified) message claims it: which root to verify against."""
    return _Reader(root).child("edXMLHeader").child("MessageHeader").child("From").text("OrganId")


def receiver_organ_id(root: etree._Element) -> str:
    """The receiver's OrganId as the (not yet verified) message claims it: which ward of a deployment serving
    several it is for (that ward then verifies it against its own partners' roots)."""
    return _Reader(root).child("edXMLHeader").child("MessageHeader").child("To").text("OrganId")


def parse(root: etree._Element) -> Message:
    """The message an envelope holds (a verified one: see ``xmlsig.verify``). Raises ValidationError."""
    envelope = _Reader(root)
    header = envelope.child("edXMLHeader")
    message_header, info = header.child("MessageHeader"), header.child("MessageInfo")
    sender, receiver = message_header.child("From"), message_header.child("To")
    trace = tuple(TraceEntry(organ_id=_Reader(t).text("OrganId"), at=_read_time(_Reader(t).text("Timestamp"),
                                                                                "Timestamp"))
                  for t in header.child("TraceHeaderList").element.findall(_q("TraceHeader")))
    related = message_header.child("ResponseFor").text("DocumentId") if message_header.has("ResponseFor") else ""
    message = Message(
        kind=info.text("MessageType"), message_id=info.text("MessageId"),
        sender=Organ(sender.text("OrganId"), sender.text("OrganName")),
        receiver=Organ(receiver.text("OrganId"), receiver.text("OrganName")),
        sent_at=_read_time(info.text("SentTime"), "SentTime"), document_id=message_header.text("DocumentId"),
        header=_read_header(message_header),
        attachments=tuple(_read_attachment(a) for a in envelope.child("edXMLBody").element.findall(_q("Attachment"))),
        status_code=info.text("StatusCode"), description=info.text("Description"), related_document_id=related,
        trace=trace)
    if not message.message_id or len(message.message_id) > 100:
        raise ValidationError(N_("The message has no usable message id."), field="message_id")
    check_message(message)
    return message
