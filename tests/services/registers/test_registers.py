"""Register numbers: consecutive per register and year, a rolled-back number is not skipped, symbols."""

from __future__ import annotations

import pytest

from docflow.models import RegisterKind
from docflow.services import registers


def test_numbers_are_consecutive_per_register_and_year(db_session, org):
    taken = [registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2031)[1]
             for _ in range(3)]
    assert taken == [1, 2, 3]
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.INCOMING, year=2031)[1] == 1
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2032)[1] == 1


def test_a_number_taken_in_a_rolled_back_transaction_is_taken_again(db_session, org):
    registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2033)
    savepoint = db_session.begin_nested()
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2033)[1] == 2
    savepoint.rollback()
    assert registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2033)[1] == 2


@pytest.mark.parametrize(("number", "doc_type", "unit", "expected"), [
    (15, "quyet_dinh", "", "15/QĐ-UBND"),
    (7, "cong_van", "VP", "07/UBND-VP"),
    (3, "thong_bao", "", "03/TB-UBND"),
    (120, "ke_hoach", "", "120/KH-UBND"),
])
def test_number_symbols_follow_decree_30(number, doc_type, unit, expected):
    assert registers.number_symbol(number, doc_type=doc_type, unit=unit) == expected


# -- the registers' entries ---------------------------------------------------------------------------------

import csv  # noqa: E402
import io  # noqa: E402
import subprocess  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from sqlalchemy import insert, select  # noqa: E402

from docflow.errors import PermissionDeniedError  # noqa: E402
from docflow.models import (  # noqa: E402
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    AuditEvent,
    Confidentiality,
    Department,
    Document,
    DocumentKind,
    DocumentStatus,
    Recipient,
    Role,
    Urgency,
    utc_now,
)
from docflow.services import registers as register_export  # noqa: E402
from docflow.services.registers import COLUMNS, ExportFormat  # noqa: E402
from docflow.services.registers import EntryFilters, Progress  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
YEAR = 2025
TODAY = date(2025, 12, 1)


def register_incoming(session, org, document, *, received_at, year=YEAR):
    """What the clerk's registration does to a document: the next số đến and ngày đến."""
    register, number = registers.take_number(session, organisation=org, kind=RegisterKind.INCOMING, year=year)
    document.register_id, document.register_number, document.received_at = register.id, number, received_at
    session.flush()
    return document


def issue_outgoing(session, org, document, *, issued_at, signer, year=YEAR):
    """What issuing does: the next number of the outgoing register, the symbol, the date and the signer."""
    register, number = registers.take_number(session, organisation=org, kind=RegisterKind.OUTGOING, year=year)
    document.register_id, document.register_number = register.id, number
    document.number_symbol = registers.symbol_for(document, number)
    document.issued_at, document.signer_id, document.status = issued_at, signer.id, DocumentStatus.ISSUED
    session.flush()
    return document


def assign(session, document, *, department=None, assignee=None, role=AssignmentRole.LEAD, deadline=None,
           by, completed_at=None, parent=None):
    row = Assignment(document_id=document.id, department_id=department.id if department else None,
                     assignee_id=assignee.id if assignee else None, role=role, deadline=deadline,
                     status=AssignmentStatus.COMPLETED if completed_at else AssignmentStatus.OPEN,
                     completed_at=completed_at, assigned_by_id=by.id, parent_id=parent.id if parent else None)
    session.add(row)
    session.flush()
    return row


def at(day: int, month: int = 3, hour: int = 9) -> datetime:
    """A moment in the ward's time zone, stored in UTC."""
    return datetime(YEAR, month, day, hour, tzinfo=TZ).astimezone(UTC)


def entries(session, actor, kind=RegisterKind.INCOMING, **filters):
    return list(registers.iter_entries(session, actor=actor, organisation_id=actor.organisation_id, kind=kind,
                                       year=YEAR, filters=EntryFilters(**filters), tz=TZ, today=TODAY))


def test_the_drafting_unit_keeps_vietnamese_letters_in_a_cong_van_symbol(db_session, org, make_user,
                                                                          make_document, make_department):
    land = make_department("Địa chính – Xây dựng", "đc")
    clerk = make_user(Role.CLERK, department=land)
    assert registers.unit_code(land) == "ĐC"
    assert registers.unit_code(Department(name="x", code="vh-xh ")) == "VHXH"
    assert registers.unit_code(None) == ""
    letter = make_document(clerk, kind=DocumentKind.OUTGOING, department=land, doc_type="cong_van")
    decision = make_document(clerk, kind=DocumentKind.OUTGOING, department=land, doc_type="quyet_dinh")
    assert registers.symbol_for(letter, 7) == "07/UBND-ĐC"
    assert registers.symbol_for(decision, 15) == "15/QĐ-UBND"


def test_the_incoming_register_lists_each_entry_in_number_order_with_who_handles_it(
        db_session, org, make_user, make_document, make_department):
    land = make_department("Địa chính – Xây dựng", "ĐC")
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    handler = make_user(Role.OFFICIAL, department=land, full_name="Phan Thị Ngọc")
    first = register_incoming(db_session, org, make_document(
        clerk, summary="Về việc rà soát đất công", issuing_body="UBND quận Ba Đình", number_symbol="12/UBND-TNMT",
        document_date=date(2025, 3, 1), urgency=Urgency.URGENT, deadline=date(2025, 3, 20)), received_at=at(3))
    register_incoming(db_session, org, make_document(clerk, summary="Giấy mời họp", doc_type="giay_moi"),
                      received_at=at(4, hour=23))  # 23:00 in Hà Nội is still the 4th
    parent = assign(db_session, first, department=land, deadline=date(2025, 3, 20), by=leader)
    assign(db_session, first, assignee=handler, by=leader, parent=parent)

    rows = entries(db_session, clerk)

    assert [r.number for r in rows] == [1, 2]
    assert rows[0].received_on == date(2025, 3, 3) and rows[1].received_on == date(2025, 3, 4)
    assert rows[0].handlers[0].name == "Địa chính – Xây dựng – Phan Thị Ngọc"
    cells = {c.key: c.value(rows[0]) for c in COLUMNS[RegisterKind.INCOMING]}
    assert cells["received_on"] == "03/03/2025" and cells["number"] == "01"
    assert cells["summary"] == "Công văn: Về việc rà soát đất công"
    # Annex IV has no urgency or deadline column (R18): they stand in Ghi chú; Ngày chuyển is the direction's day
    assert cells["note"].startswith("Khẩn; Hạn xử lý 20/03/2025")
    assert cells["handlers"] == "Địa chính – Xây dựng – Phan Thị Ngọc"
    assert cells["sent_on"] == utc_now().astimezone(TZ).strftime("%d/%m/%Y")


def test_register_filters_narrow_by_date_type_issuing_body_department_and_text(
        db_session, org, make_user, make_document, make_department):
    land = make_department("Địa chính", "ĐC")
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    a = register_incoming(db_session, org, make_document(clerk, summary="Về việc ĐẤT ĐAI khu 3",
                                                         issuing_body="UBND quận"), received_at=at(3))
    register_incoming(db_session, org, make_document(clerk, summary="Mời họp", doc_type="giay_moi",
                                                     issuing_body="Sở Nội vụ"), received_at=at(10))
    assign(db_session, a, department=land, by=leader)

    def numbers(**f):
        return [r.number for r in entries(db_session, clerk, **f)]

    assert numbers(date_from=date(2025, 3, 4)) == [2]
    assert numbers(date_to=date(2025, 3, 3)) == [1]
    assert numbers(doc_type="giay_moi") == [2]
    assert numbers(issuing_body="Sở Nội vụ") == [2]
    assert numbers(department_id=land.id) == [1]
    assert numbers(q="dat dai") == [1]
    assert numbers(q="100%") == []
    page = registers.list_entries(db_session, actor=clerk, kind=RegisterKind.INCOMING, year=YEAR,
                                  filters=EntryFilters(descending=True), page=1, page_size=1, tz=TZ, today=TODAY)
    assert [r.number for r in page.items] == [2] and page.total == 2 and page.pages == 2
    assert registers.list_issuing_bodies(db_session, organisation_id=org.id, year=YEAR) == ["Sở Nội vụ", "UBND quận"]


def test_a_confidential_entry_keeps_its_number_but_hides_its_summary_from_readers_not_cleared(
        db_session, org, make_user, make_document):
    clerk, other_clerk, leader = make_user(Role.CLERK), make_user(Role.CLERK), make_user(Role.LEADER)
    register_incoming(db_session, org, make_document(clerk, summary="Hồ sơ nhân sự mật",
                                                     confidentiality=Confidentiality.SECRET), received_at=at(3))

    hidden = entries(db_session, other_clerk)
    assert [r.number for r in hidden] == [1] and hidden[0].masked and hidden[0].summary == ""
    assert "nhân sự" not in COLUMNS[RegisterKind.INCOMING][5].value(hidden[0])
    assert entries(db_session, other_clerk, q="nhan su") == []
    assert entries(db_session, leader)[0].summary == "Hồ sơ nhân sự mật"
    assert entries(db_session, clerk)[0].summary == "Hồ sơ nhân sự mật"  # the clerk who registered it


def test_only_clerks_leaders_auditors_and_admins_read_the_registers(db_session, org, make_user):
    for role in (Role.CLERK, Role.LEADER, Role.AUDITOR, Role.ADMIN):
        assert entries(db_session, make_user(role)) == []
    for role in (Role.OFFICIAL, Role.HEAD):
        with pytest.raises(PermissionDeniedError):
            entries(db_session, make_user(role))


def test_the_resolution_register_shows_progress_against_the_deadline_and_the_replies(
        db_session, org, make_user, make_document, make_department):
    land = make_department("Địa chính", "ĐC")
    clerk, leader = make_user(Role.CLERK), make_user(Role.LEADER)
    docs = [register_incoming(db_session, org, make_document(clerk, summary=f"Việc {n}"), received_at=at(n + 1))
            for n in range(4)]
    assign(db_session, docs[0], department=land, deadline=date(2025, 3, 20), by=leader, completed_at=at(19))
    assign(db_session, docs[1], department=land, deadline=date(2025, 3, 20), by=leader, completed_at=at(21))
    assign(db_session, docs[2], department=land, deadline=date(2025, 3, 20), by=leader)
    assign(db_session, docs[2], department=land, role=AssignmentRole.CO, by=leader)
    reply = make_document(clerk, kind=DocumentKind.OUTGOING, department=land, summary="Trả lời")
    reply.related_document_id, reply.relation, reply.number_symbol = docs[0].id, "reply_to", "05/UBND-ĐC"
    db_session.flush()

    rows = entries(db_session, clerk, RegisterKind.RESOLUTION)

    assert [r.progress for r in rows] == [Progress.DONE_ON_TIME, Progress.DONE_LATE, Progress.OVERDUE,
                                          Progress.UNASSIGNED]
    assert rows[0].replies == ("05/UBND-ĐC",)
    cells = [{c.key: c.value(r) for c in COLUMNS[RegisterKind.RESOLUTION]} for r in rows]
    assert cells[0]["progress"] == "Đã giải quyết, đúng hạn (19/03/2025)"
    assert cells[2]["handlers"] == "Chủ trì: Địa chính; Phối hợp: Địa chính"
    assert cells[0]["replies"] == "05/UBND-ĐC"
    assert cells[0]["summary"].startswith("Công văn") and cells[0]["summary"].endswith(": Việc 0")


def test_the_outgoing_register_shows_number_signer_recipients_and_a_recall(
        db_session, org, make_user, make_document, make_department):
    office = make_department("Văn phòng", "VP")
    clerk, chairman = make_user(Role.CLERK, department=office), make_user(Role.LEADER, full_name="Trần Văn Minh")
    letter = issue_outgoing(db_session, org, make_document(clerk, kind=DocumentKind.OUTGOING, department=office,
                                                           summary="Về việc trả lời kiến nghị"),
                            issued_at=at(5), signer=chairman)
    db_session.add_all([Recipient(document_id=letter.id, department_id=office.id, sent_at=at(6)),
                        Recipient(document_id=letter.id, external_name="UBND quận", sent_at=at(5, hour=15))])
    recalled = issue_outgoing(db_session, org, make_document(clerk, kind=DocumentKind.OUTGOING, department=office,
                                                             doc_type="quyet_dinh", summary="Quyết định sai"),
                              issued_at=at(7), signer=chairman)
    recalled.status, recalled.recalled_at = DocumentStatus.RECALLED, at(8)
    db_session.flush()

    rows = entries(db_session, clerk, RegisterKind.OUTGOING)
    cells = [{c.key: c.value(r) for c in COLUMNS[RegisterKind.OUTGOING]} for r in rows]

    assert [c["number_symbol"] for c in cells] == ["01/UBND-VP", "02/QĐ-UBND"]
    assert cells[0]["signer"] == "Trần Văn Minh" and cells[0]["issued_on"] == "05/03/2025"
    # Số lượng bản (R17): one for each recipient and each file kept (VT, the drafting unit)
    assert cells[0]["recipients"] == "Văn phòng; UBND quận" and cells[0]["copies"] == "4"
    assert cells[0]["sent_on"] == "05/03/2025" and cells[0]["department"] == "VT; Văn phòng"
    assert cells[1]["note"] == "Đã thu hồi 08/03/2025; 1 trang"
    assert entries(db_session, clerk, RegisterKind.OUTGOING, date_from=date(2025, 3, 6))[0].number == 2


# -- exports -----------------------------------------------------------------------------------------------

def test_the_csv_export_round_trips_with_the_annex_iv_columns(db_session, org, make_user, make_document):
    clerk = make_user(Role.CLERK)
    register_incoming(db_session, org, make_document(clerk, summary='Về việc "đất, nhà" ở khu 3\ndòng hai',
                                                     issuing_body="Sở Tài nguyên và Môi trường"), received_at=at(3))

    data = b"".join(register_export.csv_chunks(RegisterKind.INCOMING, entries(db_session, clerk)))

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
                       "Tên loại và trích yếu nội dung", "Đơn vị hoặc người nhận", "Ngày chuyển", "Ký nhận", "Ghi chú"]
    assert rows[1][:3] == ["03/03/2025", "01", "Sở Tài nguyên và Môi trường"]
    assert rows[1][5] == 'Công văn: Về việc "đất, nhà" ở khu 3\ndòng hai'
    assert len(rows) == 2


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def test_the_pdf_export_prints_the_title_headings_entries_and_page_numbers(db_session, org, make_user,
                                                                           make_document):
    clerk = make_user(Role.CLERK)
    for n in range(60):
        register_incoming(db_session, org, make_document(clerk, summary=f"Về việc kiểm tra hồ sơ đất đai số {n}",
                                                         issuing_body="UBND quận Hoàn Kiếm"), received_at=at(3))

    data = register_export.pdf_bytes(RegisterKind.INCOMING, entries(db_session, clerk),
                                     organisation="UBND phường Tích Sơn", year=YEAR)

    text = pdf_text(data)
    assert "UBND PHƯỜNG TÍCH SƠN" in text and "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in text and "Năm: 2025" in text
    for heading in ("Ngày đến", "Số đến", "Tác giả", "chuyển", "Ghi chú"):   # "Ngày chuyển" wraps
        assert heading in text
    assert "hồ sơ đất đai số 59" in text and "UBND quận Hoàn" in text
    pages = text.split("\f")
    assert "Trang 1/" in pages[0] and len([p for p in pages if p.strip()]) >= 2
    assert all("Số đến" in p for p in pages if p.strip())  # the headings repeat on every page


def test_an_export_is_audited_with_its_register_format_and_size(db_session, org, make_user, make_document):
    auditor, clerk = make_user(Role.AUDITOR), make_user(Role.CLERK)
    register_incoming(db_session, org, make_document(clerk), received_at=at(3))

    export = register_export.record_export(db_session, actor=auditor, organisation=org, kind=RegisterKind.INCOMING,
                                           year=YEAR, fmt=ExportFormat.PDF, filters=EntryFilters(q="việc"), tz=TZ)

    assert export.filename == "so-den-2025.pdf" and export.entries == 1
    event = db_session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert event.action == "register.exported" and event.actor_id == auditor.id
    assert event.details == {"register": "incoming", "year": 2025, "format": "pdf", "entries": 1,
                             "filters": {"q": "việc"}}
    with pytest.raises(PermissionDeniedError):
        register_export.record_export(db_session, actor=make_user(Role.OFFICIAL), organisation=org,
                                      kind=RegisterKind.INCOMING, year=YEAR, fmt=ExportFormat.CSV,
                                      filters=EntryFilters(), tz=TZ)


def test_a_register_of_ten_thousand_entries_is_exported_in_small_chunks(db_session, org, make_user):
    clerk = make_user(Role.CLERK)
    register = registers.ensure_register(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=YEAR)
    db_session.execute(insert(Document), [
        {"organisation_id": org.id, "kind": DocumentKind.OUTGOING, "doc_type": "quyet_dinh", "status": "issued",
         "summary": f"Quyết định số {n} về việc cấp giấy chứng nhận", "number_symbol": f"{n:02d}/QĐ-UBND",
         "register_id": register.id, "register_number": n, "issued_at": at(3), "created_by_id": clerk.id,
         "row_version": 1, "search_text": ""} for n in range(1, 10_001)])

    chunks = register_export.csv_chunks(RegisterKind.OUTGOING, registers.iter_entries(
        db_session, actor=clerk, organisation_id=org.id, kind=RegisterKind.OUTGOING, year=YEAR,
        filters=EntryFilters(), tz=TZ, today=TODAY))
    first = next(chunks)  # written before the rest of the register is read
    sizes, numbers = [len(first)], [row[0] for row in csv.reader(io.StringIO(first.decode("utf-8-sig")))][1:]
    for chunk in chunks:
        sizes.append(len(chunk))
        numbers += [row[0] for row in csv.reader(io.StringIO(chunk.decode("utf-8")))]

    assert numbers == [f"{n:02d}/QĐ-UBND" for n in range(1, 10_001)]
    assert len(sizes) > 40 and max(sizes) < 64 * 1024
