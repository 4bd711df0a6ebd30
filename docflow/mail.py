"""E-mail for notices, over SMTP (STARTTLS by default), sent after the transaction that made them commits.

Delivery never raises into the request or the command that caused it: a failure is logged (without the
message text, which may describe a confidential document) and the in-app notice remains.
"""

from __future__ import annotations

import functools
import logging
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email import errors
from email.headerregistry import Address
from typing import Any

from babel.support import NullTranslations, Translations

from docflow import appctx
from docflow.config import MailSettings, Settings
from docflow.errors import N_
from docflow.paths import TRANSLATIONS_DIR

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
MAIL_JOB = "mail.send"   # the job queue's kind for notices e-mailed by a worker


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str
    to_name: str = ""       # the display name, written by the header encoder (never pasted into the header)


@dataclass(frozen=True)
class PendingNotice:
    """A notice to e-mail once the transaction commits, rendered then in the recipient's language."""
    to: str
    to_name: str
    locale: str | None
    message: str                     # an English msgid with %(name)s placeholders
    params: Mapping[str, Any] = field(default_factory=dict)
    confidential: bool = False       # the e-mail then says only that something needs attention


@functools.lru_cache(maxsize=4)
def _catalogue(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale])


def translate(locale: str, message: str, params: Mapping[str, Any] | None = None) -> str:
    text = _catalogue(locale).gettext(message)
    if not params:
        return text
    try:
        return text % dict(params)
    except (KeyError, ValueError, TypeError):
        # A catalogue entry whose placeholders drifted from the msgid: the English text still works.
        return message % dict(params)


def render(notice: PendingNotice, *, default_locale: str, organisation: str) -> OutgoingMail:
    """The e-mail for one notice. A confidential document's e-mail carries no subject line of it."""
    locale = notice.locale or default_locale
    if notice.confidential:
        headline = translate(locale, N_("A confidential document needs your attention in docflow."))
    else:
        headline = translate(locale, notice.message, notice.params)
    footer = translate(locale, N_("Sign in to docflow to see it under Notices."))
    body = f"{headline}\n\n{footer}\n\n— docflow · {organisation}\n"
    # Header values are one line: a name or a subject typed with line breaks (a citizen's petition, a
    # trích yếu from a textarea) would make the message unsendable (ValueError) after the commit.
    return OutgoingMail(to=notice.to, to_name=_one_line(notice.to_name), subject=_one_line(f"[docflow] {headline}"),
                        body=body)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def send(settings: MailSettings, messages: Sequence[OutgoingMail], *,
         ssl_context: ssl.SSLContext | None = None, timeout: float = TIMEOUT_SECONDS) -> int:
    """Send ``messages`` over one SMTP connection; the number the server accepted. Never raises."""
    if not settings.smtp_host or not messages:
        return 0
    password = ""
    if settings.password_env:
        password = os.environ.get(settings.password_env, "")
        if not password:
            log.error("mail not sent: mail.password_env names %s, which is not set", settings.password_env)
            return 0
    sent = 0
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl_context or ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, password)
            for outgoing in messages:
                sent += _send_one(smtp, settings.sender, outgoing)
    except (smtplib.SMTPException, OSError) as exc:
        log.error("mail delivery via %s:%s failed after %d of %d messages: %s", settings.smtp_host,
                  settings.smtp_port, sent, len(messages), _describe(exc))
        return sent
    log.info("mail: %d of %d messages accepted by %s:%s", sent, len(messages), settings.smtp_host,
             settings.smtp_port)
    return sent


def _send_one(smtp: smtplib.SMTP, sender: str, outgoing: OutgoingMail) -> int:
    message = EmailMessage()
    message["From"] = sender
    try:
        # An Address, not formataddr's text: a display name with a colon or a comma (a citizen's name from the
        # public form) would otherwise be folded unquoted and read as more addressees by the receiving side.
        message["To"] = Address(display_name=outgoing.to_name, addr_spec=outgoing.to) if outgoing.to_name \
            else outgoing.to
        message["Subject"] = outgoing.subject
    except (ValueError, errors.HeaderParseError):
        log.warning("mail: one message not sent: its address or subject cannot be written as a header")
        return 0
    message.set_content(outgoing.body)
    try:
        smtp.send_message(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
        # One refused address must not stop the others.
        log.warning("mail: one message refused: %s", _describe(exc))
        return 0
    return 1


def _describe(exc: BaseException) -> str:
    # Server replies can quote what was sent; keep to the code and the exception's class.
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__} {exc.smtp_code}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{type(exc).__name__} ({len(exc.recipients)} recipients)"
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return type(exc).__name__


def deliver_after_commit(notices: Sequence[PendingNotice], settings: Settings | None = None) -> int:
    """Render and send queued notices (an after-commit callback) with ``settings``, by default those of
    the application context in hand (docflow.appctx)."""
    if not notices:
        return 0
    if settings is None:
        scope = appctx.current_or_none()
        if scope is None:
            log.warning("mail: %d notices not e-mailed: no application context", len(notices))
            return 0
        settings = scope.context.settings
    if not settings.mail.smtp_host:
        return 0
    messages = [render(n, default_locale=settings.app.default_locale, organisation=settings.app.organisation_name)
                for n in notices]
    return send(settings.mail, messages)


def configured(settings: Settings | None = None) -> bool:
    """Whether notices are e-mailed (an SMTP server is set), with ``settings`` or the context in hand's."""
    if settings is None:
        scope = appctx.current_or_none()
        settings = scope.context.settings if scope is not None else None
    return settings is not None and bool(settings.mail.smtp_host)


def notice_json(notice: PendingNotice) -> dict[str, Any]:
    """A notice as a queued job's payload keeps it (JSON)."""
    return {"to": notice.to, "to_name": notice.to_name, "locale": notice.locale, "message": notice.message,
            "params": {k: v if v is None or isinstance(v, (str, int, float, bool)) else str(v)
                       for k, v in notice.params.items()},
            "confidential": notice.confidential}


def notice_from_json(data: Mapping[str, Any]) -> PendingNotice:
    return PendingNotice(to=str(data["to"]), to_name=str(data["to_name"]), locale=data.get("locale"),
                         message=str(data["message"]), params=dict(data.get("params") or {}),
                         confidential=bool(data.get("confidential")))
