"""Telling the citizen by e-mail (R68: a petition sent online hears of its answer and of an apology by
e-mail), when he gave an address and the ward has an SMTP server. Sent after the transaction commits, like
the staff's notices; the in-app tracking page stays the reference. The e-mail carries neither the receipt
code nor the phone number: anyone reading it still needs both to open the tracking page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from docflow import mail
from docflow.errors import N_
from docflow.models import Petition
from docflow.services.notifications import mail_later

ANSWERED_MAIL = N_("The ward People's Committee has answered your petition \"%(subject)s\". Read the answer and "
                   "rate it on the ward's petitions page with your receipt code and phone number.")
APOLOGY_MAIL = N_("The ward People's Committee apologises: the answer to your petition \"%(subject)s\" will be "
                  "late (%(reason)s). It will answer by %(date)s.")


def tell_citizen(session: Session, petition: Petition, message: str, params: Mapping[str, Any]) -> None:
    """Queue an e-mail to the citizen for after the commit, if he gave an address."""
    if not petition.email:
        return
    notice = mail.PendingNotice(to=petition.email, to_name=petition.citizen_name, locale="vi", message=message,
                                params={"subject": petition.subject[:200], **params})
    mail_later(session, [notice], organisation_id=petition.organisation_id)
