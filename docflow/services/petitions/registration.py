"""Registering a citizen's petition: from the public form (no account) or by the clerk for the hotline, the
suggestion box and the desk. Each gets an unguessable receipt code (80 random bits, Crockford base32 in four
groups) and a deadline in working days of the ward's calendar."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from docflow.config import Settings, local_date
from docflow.errors import N_, PermissionDeniedError, ValidationError
from docflow.models import Organisation, Petition, PetitionChannel, PetitionKind, User, utc_now
from docflow.policy import petitions as policy
from docflow.services import audit, randomcodes
from docflow.services import calendar as work_calendar
from docflow.services.audit import AuditAction

LIMITS = {"citizen_name": 200, "address": 300, "email": 200, "subject": 300, "content": 10000}


@dataclass(frozen=True)
class PetitionInput:
    kind: PetitionKind
    citizen_name: str
    phone: str
    subject: str
    content: str
    address: str = ""
    email: str = ""


def new_receipt_code() -> str:
    """80 random bits as 16 Crockford base32 characters in groups of four: ``7K2M-9QXD-4HWT-B8RN``."""
    return randomcodes.grouped(randomcodes.new_code())


def normalise_code(raw: str) -> str | None:
    """The stored form of a code as a citizen typed it (any case, spaces or dashes, O for 0, I or L for 1);
    None when it cannot be a receipt code."""
    code = randomcodes.normalise(raw)
    return randomcodes.grouped(code) if code is not None else None


def normalise_phone(raw: str) -> str | None:
    """A Vietnamese phone number as digits only (+84 written as 0); None unless it has 9 to 11 digits."""
    # Any script's decimal digits (a phone keyboard may type full-width ones) are read as ASCII; other
    # "digits" (superscripts) are not digits of a phone number. The stored form is ASCII only.
    digits = "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None else c
                     for c in re.sub(r"[\s.()-]", "", raw.strip()))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"[0-9]{9,11}", digits):
        return None
    return digits


# An address the mail can be sent to as it is: no commas, quotes, angle brackets or spaces (one addressee only).
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _checked(data: PetitionInput) -> tuple[PetitionInput, str]:
    # A name, subject or address is one line: line breaks and tabs typed (or posted) into them would reach the
    # letters' "Kính gửi" line, the lists and the e-mail headers. The content keeps its lines.
    data = dataclasses.replace(data, citizen_name=_one_line(data.citizen_name), subject=_one_line(data.subject),
                               address=_one_line(data.address), email=_one_line(data.email))
    phone = normalise_phone(data.phone)
    if phone is None:
        raise ValidationError(N_("Enter a phone number of 9 to 11 digits."), field="phone")
    for name in ("citizen_name", "subject", "content"):
        if not getattr(data, name).strip():
            raise ValidationError(N_("Fill in your name, the subject and the content."), field=name)
    for name, limit in LIMITS.items():
        if len(getattr(data, name)) > limit:
            raise ValidationError(N_("One of the fields is too long."), field=name)
    if data.email and not EMAIL.fullmatch(data.email):
        raise ValidationError(N_("The e-mail address is not valid."), field="email")
    return data, phone


def register_petition(session: Session, *, organisation: Organisation, settings: Settings, data: PetitionInput,
                      channel: PetitionChannel, actor: User | None = None, now: datetime | None = None) -> Petition:
    """Register a petition. The public form passes no ``actor`` and the ONLINE channel; every other channel
    is the clerk's (the hotline, the suggestion box, in person).

    Raises PermissionDeniedError, ValidationError. Flushes; the caller commits."""
    now = now or utc_now()
    if (actor is None) != (channel is PetitionChannel.ONLINE):
        raise PermissionDeniedError(N_("Only the clerk registers petitions from the hotline, the suggestion box "
                                       "or the desk."))
    if actor is not None and (not policy.may_register_petition(actor)
                              or actor.organisation_id != organisation.id):
        raise PermissionDeniedError(N_("Only the clerk registers petitions from the hotline, the suggestion box "
                                       "or the desk."))
    data, phone = _checked(data)
    calendar = work_calendar.WorkingCalendar.load(settings)
    deadline = calendar.add_working_days(local_date(settings, now),
                                         max(1, settings.workflow.petition_deadline_working_days))
    petition = Petition(organisation_id=organisation.id, receipt_code=new_receipt_code(), channel=channel,
                        kind=data.kind, citizen_name=data.citizen_name.strip(), phone=phone,
                        address=data.address.strip(), email=data.email.strip(), subject=data.subject.strip(),
                        content=data.content.strip(), received_at=now, first_deadline=deadline, deadline=deadline,
                        registered_by_id=actor.id if actor else None, answer_text="", rating_comment="")
    session.add(petition)
    session.flush()
    # No personal data in the audit log: the auditor reads it, and only the handlers may see who wrote.
    audit.record(session, action=AuditAction.PETITION_RECEIVED, actor=actor, object_type="petition",
                 object_id=petition.id, now=now,
                 details={"channel": channel.value, "kind": data.kind.value, "deadline": deadline.isoformat()})
    return petition
