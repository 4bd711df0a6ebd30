"""A name or a subject typed with line breaks (a citizen's petition from the public form, a trích yếu from a
textarea) is e-mailed on one header line: before, the message could not be built (ValueError) and the
after-commit delivery failed, a 500 for a request whose change was already committed."""

from __future__ import annotations

from email.header import decode_header, make_header
from email.utils import getaddresses
from typing import Any

from docflow import mail
from docflow.config import MailSettings
from docflow.services.petitions.citizen_mail import ANSWERED_MAIL
from tests.services.notifications.test_notifications import Inbox, inbox, smtp_server  # noqa: F401 - fixtures


def test_a_citizens_name_and_subject_with_line_breaks_are_mailed_on_one_line(inbox: Inbox, smtp_server: Any) -> None:
    notice = mail.PendingNotice(to="an@example.vn", to_name="Nguyễn Văn An\r\nBcc: ke-gian@example.vn",
                                locale="vi", message=ANSWERED_MAIL,
                                params={"subject": "Đèn đường tổ 5\nhỏng\r\nđã một tuần"})
    settings = MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_server[1], starttls=False,
                            sender="docflow@tichson.example")
    sent = mail.send(settings, [mail.render(notice, default_locale="vi", organisation="UBND phường Thử")])
    assert sent == 1 and len(inbox.messages) == 1
    received = inbox.messages[0]
    assert received.get_all("Bcc") is None
    assert [address for _name, address in getaddresses(received.get_all("To"))] == ["an@example.vn"]
    subject = str(make_header(decode_header(received["Subject"])))
    # (the decoder drops the spaces where the header was folded: compare without them)
    assert "Đènđườngtổ5hỏngđãmộttuần" in "".join(subject.split())


def test_an_address_that_cannot_be_a_header_is_skipped_and_the_others_are_sent(inbox: Inbox, smtp_server: Any) -> None:
    settings = MailSettings(smtp_host="127.0.0.1", smtp_port=smtp_server[1], starttls=False,
                            sender="docflow@tichson.example")
    bad = mail.OutgoingMail(to="an,ke-gian@example.vn", to_name="An", subject="Thử", body="Nội dung")
    good = mail.OutgoingMail(to="lan@example.vn", to_name="Trần Thị Lan, tổ 5: phường", subject="Thử", body="Nội dung")
    assert mail.send(settings, [bad, good]) == 1
    assert [address for _name, address in getaddresses(inbox.messages[0].get_all("To"))] == ["lan@example.vn"]
