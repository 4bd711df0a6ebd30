"""`docflow import FOLDER` on a real database: a previous system's export of incoming, outgoing and internal
documents (a signed PDF, an unsigned one, a tampered signed one, a hostile one), entered in their registers and
years under their own numbers, verified, filed, idempotent, audited; the ward's numbers continue after them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from docflow.models import (
    AuditEvent,
    Document,
    DocumentKind,
    DocumentStatus,
    FileDocument,
    FileStatus,
    ImportedDocument,
    RegisterKind,
    Role,
)
from docflow.services import records, registers
from docflow.services import signatures as signing_service
from docflow.signing.base import SignatureKind
from tests.conftest import SIGNING_PIN, pdf_bytes
from tests.security.test_uploads_and_exports import BILLION_PAGES
from tests.services.importing.helpers import counts, make_invoke, row, write_folder
from tests.services.records.helpers import planned_file


@pytest.fixture
def invoke(app: Any, db_session: Any, org: Any) -> Any:
    return make_invoke(app)


@pytest.fixture
def clerk(make_user: Any) -> Any:
    return make_user(Role.CLERK, full_name="Trần Thị Văn Thư")


@pytest.fixture
def signed_pdf(db_session: Any, signing_settings: Any, store: Any, make_user: Any, issue_cert: Any,
               make_document: Any, make_department: Any) -> bytes:
    """A PDF with a personal signature by a ward leader (the ward's CA: trusted)."""
    leader = make_user(Role.LEADER, full_name="Lê Văn Ký", department=make_department())
    leader.post = "Chủ tịch"
    issue_cert(leader)
    document = make_document(leader, kind=DocumentKind.INTERNAL, content=pdf_bytes("signed-source"))
    outcome = signing_service.sign_version(db_session, settings=signing_settings, store=store, actor=leader,
                                           document_id=document.id, kind=SignatureKind.PERSONAL, pin=SIGNING_PIN,
                                           expected_version=None)
    return bytes(store.read(outcome.version.sha256))


def tampered(signed: bytes) -> bytes:
    """The same length, one byte of the signed revision changed (the page's height)."""
    at = signed.index(b"842")
    return signed[:at] + b"843" + signed[at + 3:]


@pytest.fixture
def export(tmp_path: Path, db_session: Any, clerk: Any, signed_pdf: bytes) -> Path:
    planned_file(db_session, actor=clerk, year=2025, code="01.VP")
    rows = [
        row("incoming", "15", "den-01.pdf", arrival_number="7", symbol="UBND-VP", issuing_body="UBND quận Cũ",
            arrival_date="05/03/2025 09:30"),
        row("đến", "16", "den-02.pdf", arrival_number="12", symbol="UBND-VP", issuing_body="UBND quận Cũ",
            arrival_date="2025-03-06 10:00", type_="Công văn"),
        row("outgoing", "40", "di-01.pdf", symbol="QĐ-UBND", type_="quyet_dinh", signer="Lê Văn Ký"),
        row("đi", "41", "di-02.pdf", symbol="UBND-VP", signer="Nguyễn Không Có"),
        row("nội bộ", "3", "nb-01.pdf", symbol="TB-VP", type_="thong_bao"),
        row("outgoing", "42", "hostile.pdf"),
        row("outgoing", "40", "di-03.pdf", symbol="QĐ-UBND", type_="quyet_dinh"),   # number 40 taken, other key
        row("outgoing", "43", "di-04.pdf", file_code="99.XX"),
    ]
    files = {"den-01.pdf": signed_pdf, "den-02.pdf": pdf_bytes("den-02"), "di-01.pdf": pdf_bytes("di-01"),
             "di-02.pdf": tampered(signed_pdf), "nb-01.pdf": pdf_bytes("nb-01"), "hostile.pdf": BILLION_PAGES,
             "di-03.pdf": pdf_bytes("di-03"), "di-04.pdf": pdf_bytes("di-04")}
    rows[6]["symbol"] = "QĐ-CT"   # the same number with another symbol: another key, a number taken
    return write_folder(tmp_path / "old-system", rows, files, delimiter=";", bom=True)


def _imported(db_session: Any, kind: str, number: int) -> Document:
    return db_session.execute(select(Document).join(ImportedDocument, ImportedDocument.document_id == Document.id)
                              .where(ImportedDocument.kind == kind, ImportedDocument.number == number)).scalar_one()


def test_r10_r13_a_folder_is_imported_under_its_own_numbers_verified_filed_and_refusals_reported(
        invoke, db_session, export, clerk, tmp_path, store, signing_settings, signed_pdf):
    report = tmp_path / "refused.json"
    result = invoke(str(export), "--user", clerk.username, "--report", str(report))

    assert result.exit_code == 1, result.output
    assert "5 imported, 0 already imported, 3 refused" in result.output
    incoming = _imported(db_session, "incoming", 7)
    assert (incoming.register_number, incoming.number_symbol, incoming.received_at) == \
        (7, "15/UBND-VP", datetime(2025, 3, 5, 2, 30, tzinfo=UTC))
    assert incoming.receipt_source == "imported" and incoming.status is DocumentStatus.COMPLETED
    outgoing = _imported(db_session, "outgoing", 40)
    assert (outgoing.register_number, outgoing.number_symbol, outgoing.status) == (40, "40/QĐ-UBND",
                                                                                  DocumentStatus.ISSUED)
    assert outgoing.signer is not None and outgoing.signer.full_name == "Lê Văn Ký"
    unknown_signer = db_session.execute(select(ImportedDocument).where(ImportedDocument.number == 41)).scalar_one()
    assert unknown_signer.signer_name == "Nguyễn Không Có" and unknown_signer.document.signer_id is None
    # R57 SignerInfo: the docflow user, else the name the previous system wrote
    ward = records.Ward(name="UBND", organ_id="000.00.00.H00", tz=signing_settings.app.zone)
    meta = records.document_metadata(db_session, unknown_signer.document, ward=ward)
    assert meta["SignerInfo"]["FullName"] == "Nguyễn Không Có"
    assert records.document_metadata(db_session, outgoing, ward=ward)["SignerInfo"]["FullName"] == "Lê Văn Ký"
    internal = _imported(db_session, "internal", 3)
    assert internal.register_id is None and internal.number_symbol == "03/TB-VP"
    # the signatures: trusted and intact, none, and broken by the tampering (imported, reported invalid)
    found = {d.number: d.signatures for d in db_session.execute(select(ImportedDocument)).scalars()}
    assert found == {7: "valid", 12: "unsigned", 40: "unsigned", 41: "invalid", 3: "unsigned"}
    kept = signing_service.cached_report(db_session, settings=signing_settings, sha256=incoming.versions[-1].sha256)
    assert kept is not None and kept["valid"] is True
    assert store.read(incoming.versions[-1].sha256) == signed_pdf   # the bytes kept unchanged
    # every imported document is in its file of the 2025 plan, which was opened on the record
    entries = db_session.execute(select(FileDocument)).scalars().all()
    assert {e.document_id for e in entries} >= {incoming.id, outgoing.id, internal.id}
    assert entries[0].file.status is FileStatus.OPEN
    # the report: the three refused rows and the invalid signature, with line, key and reasons
    lines = json.loads(report.read_text(encoding="utf-8"))
    by_line = {line["line"]: line for line in lines}
    assert by_line[7]["key"] == "pdf_refused" and "quá nhiều trang" in by_line[7]["reason_vi"]
    assert by_line[8]["key"] == "conflict" and "already taken" in by_line[8]["reason_en"]
    assert by_line[9]["key"] == "file_code_unknown" and "99.XX" in by_line[9]["reason_vi"]
    assert by_line[5]["key"] == "invalid_signature" and by_line[5]["status"] == "imported"
    # one audit event per imported document and one for the run, with its counts
    imported_events = db_session.execute(select(AuditEvent).where(AuditEvent.action == "document.imported")).scalars()
    assert sorted(int(e.object_id) for e in imported_events) == sorted(
        d.document_id for d in db_session.execute(select(ImportedDocument)).scalars())
    run = db_session.execute(select(AuditEvent).where(AuditEvent.action == "import.run")).scalar_one()
    assert (run.details["imported"], run.details["refused"]) == (5, 3)


def test_a_rerun_changes_nothing_and_reports_every_row_as_already_imported(invoke, db_session, export, clerk):
    invoke(str(export), "--user", clerk.username)
    before = counts(db_session)

    again = invoke(str(export), "--user", clerk.username)

    assert "0 imported, 5 already imported, 3 refused" in again.output
    documents, ledger, events = counts(db_session)
    assert (documents, ledger) == before[:2]
    assert events == before[2] + 1   # the second run's own event only
    assert db_session.execute(select(AuditEvent).where(AuditEvent.action == "import.run")
                              .order_by(AuditEvent.seq.desc())).scalars().first().details["already_imported"] == 5


def test_the_same_key_with_other_bytes_is_refused_as_already_imported_with_other_content(
        invoke, db_session, export, clerk):
    invoke(str(export), "--user", clerk.username)
    (export / "nb-01.pdf").write_bytes(pdf_bytes("changed"))

    result = invoke(str(export), "--user", clerk.username)

    assert "4 already imported, 4 refused" in result.output and "other_content" in result.output


def test_r10_r13_the_wards_next_numbers_follow_the_highest_imported(invoke, db_session, export, clerk, org):
    invoke(str(export), "--user", clerk.username)

    _, incoming_next = registers.take_number(db_session, organisation=org, kind=RegisterKind.INCOMING, year=2025)
    _, outgoing_next = registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2025)

    assert (incoming_next, outgoing_next) == (13, 42)


def test_r10_an_imported_number_below_the_counter_is_entered_and_the_counter_stays(db_session, org):
    registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2024)
    registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2024)
    registers.claim_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2024, number=1)

    _, following = registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2024)

    assert following == 3


def test_a_dry_run_checks_every_row_and_changes_nothing(invoke, db_session, export, clerk, store):
    before = counts(db_session)
    blobs = sorted(p.name for p in store.root.rglob("*") if p.is_file())

    result = invoke(str(export), "--user", clerk.username, "--dry-run")

    assert result.exit_code == 1 and "Dry run: 5 imported, 0 already imported, 3 refused" in result.output
    assert counts(db_session) == before
    assert sorted(p.name for p in store.root.rglob("*") if p.is_file()) == blobs


def test_r46_a_row_for_a_closed_file_is_refused_with_the_reason(invoke, db_session, clerk, tmp_path, make_document):
    from zoneinfo import ZoneInfo
    record = planned_file(db_session, actor=clerk, year=2025, code="02.VP")
    records.open_file(db_session, actor=clerk, file_id=record.id)
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=make_document(clerk).id)
    records.close_file(db_session, actor=clerk, file_id=record.id, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    folder = write_folder(tmp_path / "x", [row("internal", "5", "a.pdf", file_code="02.VP")], {"a.pdf": pdf_bytes()})

    result = invoke(str(folder), "--user", clerk.username)

    assert result.exit_code == 1 and "(not_allowed)" in result.output and "02.VP" in result.output
    assert db_session.execute(select(ImportedDocument)).first() is None


def test_an_unreadable_index_exits_2_and_an_unknown_column_is_named(invoke, db_session, clerk, tmp_path):
    assert invoke(str(tmp_path / "nowhere"), "--user", clerk.username).exit_code == 2
    (tmp_path / "empty").mkdir()
    assert invoke(str(tmp_path / "empty"), "--user", clerk.username).exit_code == 2
    folder = write_folder(tmp_path / "odd", [], {}, header=("kind", "colour"))
    result = invoke(str(folder), "--user", clerk.username)
    assert result.exit_code == 2 and "colour" in result.output
    (folder / "index.csv").write_bytes("kind,year\n".encode() + b"\xff\xfe,1\n")
    assert invoke(str(folder), "--user", clerk.username).exit_code == 2


def test_vietnamese_headers_and_a_csv_report_are_accepted(invoke, db_session, clerk, tmp_path):
    planned_file(db_session, actor=clerk, year=2025, code="01.VP")
    header = ("Phân loại", "Tên loại", "Sổ đăng ký", "Năm", "Số", "Ký hiệu", "Ngày văn bản", "Ngày đến", "Số đến",
              "Cơ quan ban hành", "Trích yếu", "Người ký", "Tên tệp", "Mã hồ sơ")
    folder = write_folder(tmp_path / "vi", [row("nội bộ", "9", "a.pdf"), row("gì đó", "1", "a.pdf")],
                          {"a.pdf": pdf_bytes()}, header=header)
    report = tmp_path / "r.csv"

    result = invoke(str(folder), "--user", clerk.username, "--report", str(report))

    assert result.exit_code == 1 and "1 imported" in result.output
    text = report.read_text(encoding="utf-8-sig")
    assert "\n3,refused,bad_kind,\"Loại văn bản" in text


def test_the_shipped_example_index_reads_without_a_refusal():
    from zoneinfo import ZoneInfo

    from docflow.paths import PROJECT_ROOT
    from docflow.services.importing import ImportRow, read_index

    rows = list(read_index(PROJECT_ROOT / "tests/data/import-example/index.csv", zone=ZoneInfo("Asia/Ho_Chi_Minh")))

    assert [type(r) for _, r in rows] == [ImportRow] * 4
    incoming = rows[0][1]
    assert isinstance(incoming, ImportRow) and (incoming.key_number, incoming.number_symbol) == (431, "125/UBND-VP")
    assert [r.kind.value for _, r in rows if isinstance(r, ImportRow)] == ["incoming", "outgoing", "outgoing",
                                                                          "internal"]


def test_r11_an_imported_number_in_a_series_moves_that_series_counter_only(db_session, org):
    registers.claim_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2024, number=9,
                           series="mat")

    _, in_series = registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2024,
                                         series="mat")
    _, default = registers.take_number(db_session, organisation=org, kind=RegisterKind.OUTGOING, year=2024)

    assert (in_series, default) == (10, 1)


def test_a_run_stopped_half_way_is_finished_by_the_next_run(invoke, db_session, export, clerk, tmp_path):
    lines = (export / "index.csv").read_text(encoding="utf-8-sig").splitlines()
    first_half = tmp_path / "first-half.csv"
    first_half.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    first = invoke(str(export), "--user", clerk.username, "--csv", str(first_half), "--batch", "1")
    assert first.exit_code == 0 and "3 imported" in first.output

    rest = invoke(str(export), "--user", clerk.username, "--batch", "2")

    assert "2 imported, 3 already imported, 3 refused" in rest.output
    assert len(db_session.execute(select(ImportedDocument)).all()) == 5
