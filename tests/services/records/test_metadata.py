"""R57: the metadata of files and documents with the standard's field names and lengths."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from docflow.models import DocumentKind, Role, Urgency
from docflow.services import records
from tests.conftest import pdf_bytes
from tests.services.records.helpers import NOW, open_file

WARD = records.Ward(organ_id="000.00.00.H41", name="UBND phường Thử Nghiệm", tz=ZoneInfo("Asia/Ho_Chi_Minh"))
FILE_FIELDS = {"FileCode", "Title", "Maintenance", "Rights", "Language", "Creator", "StartDate", "EndDate", "DocTotal",
               "PageTotal", "Description"}
DOCUMENT_FIELDS = {"FileCode", "DocOrdinal", "TypeName", "CodeNumber", "CodeNotation", "IssuedDate", "OrganName",
                   "Subject", "Language", "PageAmount", "Description", "SignerInfo", "To", "Priority",
                   "IssuedAmount", "DueDate", "Format"}
INCOMING_FIELDS = {"ArrivalDate", "ArrivalNumber", "ToPlaces", "TraceHeaderList"}


def test_R57_a_files_metadata_has_the_standards_fields(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk, retention=None)
    for n, day in enumerate((date(2026, 1, 3), date(2026, 5, 9))):
        document = make_document(clerk, document_date=day, content=pdf_bytes(f"m{n}", pages=n + 1))
        records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)

    meta = records.record_metadata(db_session, record, ward=WARD)

    assert set(meta) == FILE_FIELDS
    assert meta["FileCode"] == {"OrganId": "000.00.00.H41", "FileCatalog": "2026", "FileNotation": "01.VP"}
    assert (meta["Maintenance"], meta["Language"], meta["Creator"]) == ("Vĩnh viễn", "vi", WARD.name)
    assert (meta["StartDate"], meta["EndDate"], meta["DocTotal"], meta["PageTotal"]) == ("2026-01-03", "2026-05-09",
                                                                                          2, 3)


def test_R57_an_incoming_documents_metadata_in_its_home_file(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    record = open_file(db_session, actor=clerk)
    document = make_document(clerk, kind=DocumentKind.INCOMING, number_symbol="15/QĐ-UBND", doc_type="quyet_dinh",
                             document_date=date(2026, 2, 1), summary="Về việc giao đất", urgency=Urgency.URGENT,
                             issuing_body="UBND tỉnh Thử Nghiệm", content=pdf_bytes("in", pages=2))
    records.add_document(db_session, actor=clerk, file_id=record.id, document_id=document.id, now=NOW)

    meta = records.document_metadata(db_session, document, ward=WARD)

    assert set(meta) == DOCUMENT_FIELDS | INCOMING_FIELDS
    assert meta["FileCode"]["FileNotation"] == "01.VP" and meta["DocOrdinal"] == 1
    assert (meta["CodeNumber"], meta["CodeNotation"], meta["TypeName"]) == ("15", "QĐ-UBND", "Quyết định")
    assert (meta["IssuedDate"], meta["OrganName"], meta["Subject"]) == ("2026-02-01", "UBND tỉnh Thử Nghiệm",
                                                                         "Về việc giao đất")
    assert (meta["PageAmount"], meta["Priority"], meta["Format"]) == (2, 1, "PDF")
    assert meta["ArrivalNumber"] == document.register_number and meta["ArrivalDate"]


def test_R57_an_outgoing_document_names_the_ward_and_cuts_to_the_standards_lengths(db_session, make_user,
                                                                                   make_document):
    clerk = make_user(Role.CLERK)
    document = make_document(clerk, kind=DocumentKind.OUTGOING, summary="x" * 700)
    meta = records.document_metadata(db_session, document, ward=WARD)
    assert set(meta) == DOCUMENT_FIELDS
    assert meta["FileCode"] == {} and meta["DocOrdinal"] == 0
    assert meta["OrganName"] == WARD.name and len(meta["Subject"]) == 500
