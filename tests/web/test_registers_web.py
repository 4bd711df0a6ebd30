"""The registers on screen: who may open them, filters, and the audited CSV and PDF downloads."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import select

from docflow.models import AuditEvent, Confidentiality, DocumentKind, RegisterKind, Role
from tests.services.registers.test_registers import YEAR, at, issue_outgoing, pdf_text, register_incoming


def seed(db_session, org, make_user, make_document):
    clerk = make_user(Role.CLERK)
    register_incoming(db_session, org, make_document(clerk, summary="Về việc rà soát đất công",
                                                     issuing_body="UBND quận Ba Đình"), received_at=at(3))
    register_incoming(db_session, org, make_document(clerk, summary="Giấy mời họp giao ban", doc_type="giay_moi",
                                                     issuing_body="Sở Nội vụ"), received_at=at(9))
    register_incoming(db_session, org, make_document(clerk, summary="Hồ sơ mật về nhân sự",
                                                     confidentiality=Confidentiality.SECRET), received_at=at(10))
    return clerk


def test_a_clerk_sees_the_years_registers_and_their_entries_newest_first(client, db_session, org, make_user,
                                                                          make_document):
    clerk = seed(db_session, org, make_user, make_document)
    client.login(clerk)

    index = client.get(f"/registers/?year={YEAR}")
    assert index.status_code == 200
    assert "3 entries" in index.get_data(as_text=True) or "3 văn bản" in index.get_data(as_text=True)

    page = client.get(f"/registers/{YEAR}/incoming")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.index('data-testid="entry-3"') < html.index('data-testid="entry-1"')
    assert "Về việc rà soát đất công" in html and "UBND quận Ba Đình" in html
    assert "Hồ sơ mật về nhân sự" in html  # the clerk registered it, so she is cleared for it


def test_register_filters_apply_on_screen(client, db_session, org, make_user, make_document):
    seed(db_session, org, make_user, make_document)
    other_clerk = make_user(Role.CLERK)
    client.login(other_clerk)

    html = client.get(f"/registers/{YEAR}/incoming?q=dat+cong&order=asc").get_data(as_text=True)
    assert 'data-testid="entry-1"' in html and 'data-testid="entry-2"' not in html
    html = client.get(f"/registers/{YEAR}/incoming?date_from=2025-03-09&date_to=2025-03-09").get_data(as_text=True)
    assert 'data-testid="entry-2"' in html and 'data-testid="entry-1"' not in html
    html = client.get(f"/registers/{YEAR}/incoming").get_data(as_text=True)
    assert 'data-testid="entry-3"' in html and "Hồ sơ mật về nhân sự" not in html  # not cleared: hidden
    assert client.get(f"/registers/{YEAR}/incoming?date_from=03-2025").status_code == 400
    html = client.get(f"/registers/{YEAR}/incoming?q=mời&year=1999&kind=x&fmt=y").get_data(as_text=True)
    assert f"/registers/{YEAR}/incoming/export.csv?q=" in html  # the filters carry over to the downloads


def test_officials_and_heads_cannot_open_the_registers_but_auditors_read_and_export(
        client, db_session, org, make_user, make_document):
    seed(db_session, org, make_user, make_document)
    for role in (Role.OFFICIAL, Role.HEAD):
        client.login(make_user(role))
        assert client.get("/registers/").status_code == 403
        assert client.get(f"/registers/{YEAR}/incoming/export.csv").status_code == 403
    client.login(make_user(Role.AUDITOR))
    page = client.get(f"/registers/{YEAR}/resolution").get_data(as_text=True)
    assert "Not assigned" in page or "Chưa giao" in page
    assert "<form method=\"post\"" not in page.split("</nav>", 1)[1]  # nothing to change: read-only
    assert client.get(f"/registers/{YEAR}/nonsense").status_code == 404
    assert client.get(f"/registers/{YEAR}/incoming/export.xlsx").status_code == 404


def test_the_csv_download_is_the_filtered_register_and_is_audited(client, db_session, org, make_user,
                                                                   make_document):
    clerk = seed(db_session, org, make_user, make_document)
    client.login(clerk)

    response = client.get(f"/registers/{YEAR}/incoming/export.csv?issuing_body=S%E1%BB%9F+N%E1%BB%99i+v%E1%BB%A5")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="so-den-2025.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:2] == ["Ngày đến", "Số đến"] and [r[1] for r in rows[1:]] == ["02"]
    event = db_session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert event.action == "register.exported" and event.actor_id == clerk.id
    assert event.details["filters"] == {"issuing_body": "Sở Nội vụ", "descending": True}
    assert event.details["entries"] == 1


def test_the_pdf_download_prints_the_outgoing_register(client, db_session, org, make_user, make_document,
                                                       make_department):
    office = make_department("Văn phòng", "VP")
    clerk, chairman = make_user(Role.CLERK, department=office), make_user(Role.LEADER, full_name="Trần Văn Minh")
    issue_outgoing(db_session, org, make_document(clerk, kind=DocumentKind.OUTGOING, department=office,
                                                  summary="Về việc tổ chức Tết Trồng cây"),
                   issued_at=at(5), signer=chairman)
    client.login(clerk)

    response = client.get(f"/registers/{YEAR}/outgoing/export.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.get_data())
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text and "Người ký" in text and "Nơi nhận" in text
    assert "01/UBND-VP" in text and "Trần Văn Minh" in text and "Tết Trồng cây" in text
    html = client.get(f"/registers/{YEAR}/outgoing").get_data(as_text=True)
    assert "01/UBND-VP" in html and date(2025, 3, 5).strftime("%d/%m/%Y") in html
    assert RegisterKind.OUTGOING.value in html
