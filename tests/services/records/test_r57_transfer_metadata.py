"""R57 in the archive transfer package: docflow's XSD encodes exactly the standard's field names and lengths,
metadata.xml names them all, and a value over its length (or a field R57 does not name) stops the build."""

from __future__ import annotations

import copy
import io
import zipfile
from typing import Any

import pytest
from lxml import etree

from docflow.auditlog import transferpack
from docflow.auditlog.transferpack import MetadataInvalid, check_metadata, metadata_xml
from docflow.services.records.metadata import LENGTHS
from docflow.services.records.transfer import build_transfer
from tests.services.outgoing.test_outgoing import ward  # noqa: F401 - the ward fixture
from tests.services.records.transfer_helpers import YEAR, checkpointer, closed_year, with_organ_id  # noqa: F401

XS = "{http://www.w3.org/2001/XMLSchema}"
# Rule R57 (DECREE30.md): the fields with a length, and the fields of each group.
R57_LENGTHS = {"OrganId": 13, "FileCatalog": 4, "FileNotation": 20, "TypeName": 100, "CodeNumber": 11,
               "CodeNotation": 30, "OrganName": 200, "Subject": 500, "Position": 100, "FullName": 50, "Title": 500,
               "ToPlaces": 1000}
R57_FILE = ["FileCode", "Title", "Maintenance", "Rights", "Language", "Creator", "StartDate", "EndDate", "DocTotal",
            "PageTotal", "Description"]
R57_DOCUMENT = ["FileCode", "DocOrdinal", "TypeName", "CodeNumber", "CodeNotation", "IssuedDate", "OrganName",
                "Subject", "Language", "PageAmount", "Description", "SignerInfo", "To", "Priority", "IssuedAmount",
                "DueDate", "Format"]
R57_INCOMING = ["ArrivalDate", "ArrivalNumber", "ToPlaces", "TraceHeaderList"]
R57_CODE = ["OrganId", "FileCatalog", "FileNotation"]
R57_SIGNER = ["Position", "FullName"]

CODE = {"OrganId": "000.00.00.H41", "FileCatalog": "2026", "FileNotation": "01.VP"}
FILE: dict[str, Any] = {"FileCode": CODE, "Title": "Hồ sơ tiếp công dân", "Maintenance": "10 năm", "Rights": "",
                        "Language": "vi", "Creator": "UBND phường Thử Nghiệm", "StartDate": "2026-01-03",
                        "EndDate": "2026-05-09", "DocTotal": 1, "PageTotal": 2, "Description": ""}
DOCUMENT: dict[str, Any] = {
    "FileCode": CODE, "DocOrdinal": 1, "TypeName": "Công văn", "CodeNumber": "45", "CodeNotation": "UBND-VP",
    "IssuedDate": "2026-02-01", "OrganName": "UBND phường Bên Cạnh", "Subject": "Về việc phối hợp",
    "Language": "vi", "PageAmount": 2, "Description": "", "SignerInfo": {"Position": "", "FullName": ""},
    "To": [{"OrganId": "", "OrganName": "Văn phòng"}], "Priority": 1, "IssuedAmount": 1, "DueDate": "2026-03-01",
    "Format": "PDF", "ArrivalDate": "2026-02-03", "ArrivalNumber": 7, "ToPlaces": "Địa chính",
    "TraceHeaderList": [{"Time": "2026-02-03T09:00:00+07:00", "Person": "Trần Văn Minh", "To": "Địa chính",
                         "Role": "lead", "Directive": "Xử lý", "DueDate": "2026-03-01", "Status": "open"}]}


def _xml(file: dict[str, Any] = FILE, document: dict[str, Any] = DOCUMENT) -> bytes:
    return metadata_xml(year=2026, files=[(file, [(9, "incoming", document)])])


def _schema() -> etree._Element:
    return etree.fromstring(transferpack.shipped_schema())


def _max_length(schema: etree._Element, type_name: str) -> int | None:
    simple = schema.find(f"{XS}simpleType[@name='{type_name}']")
    facet = simple.find(f".//{XS}maxLength") if simple is not None else None
    return int(facet.get("value")) if facet is not None else None


def _sequence(schema: etree._Element, type_name: str, path: str = f"{XS}sequence") -> list[etree._Element]:
    return list(schema.find(f"{XS}complexType[@name='{type_name}']").find(path))


def test_r57_the_schema_has_exactly_the_standards_fields_in_each_group():
    schema = _schema()
    names = lambda elements: [e.get("name") for e in elements]  # noqa: E731
    assert names(_sequence(schema, "FileType")) == R57_FILE + ["Documents"]
    assert names(_sequence(schema, "DocumentType")) == R57_DOCUMENT
    assert names(_sequence(schema, "IncomingDocumentType", f"{XS}complexContent/{XS}extension/{XS}sequence")) \
        == R57_INCOMING
    assert names(_sequence(schema, "FileCodeType")) == R57_CODE
    assert names(_sequence(schema, "SignerInfoType")) == R57_SIGNER
    optional = {e.get("name") for e in _sequence(schema, "DocumentType") if e.get("minOccurs") == "0"}
    assert optional == {"Description", "DueDate", "Format"}


def test_r57_the_schema_carries_every_length_of_the_standard_and_the_metadata_cuts_to_the_same():
    schema = _schema()
    found: dict[str, int] = {}
    for element in schema.iter(f"{XS}element"):
        length = _max_length(schema, element.get("type") or "")
        if length is not None and element.get("type") != "RecipientOrganIdType":
            assert found.setdefault(element.get("name"), length) == length
    assert found == R57_LENGTHS
    assert _max_length(schema, "RecipientOrganIdType") == 13       # To/OrganId is an organ identifier too
    priority = schema.find(f"{XS}simpleType[@name='PriorityType']//{XS}totalDigits")
    assert priority is not None and priority.get("value") == "1"   # Priority: Number(1)
    assert LENGTHS == R57_LENGTHS


def test_r57_metadata_at_every_length_is_valid_and_one_character_more_is_refused_naming_the_field():
    check_metadata(_xml())
    for field, length in R57_LENGTHS.items():
        file, document = copy.deepcopy(FILE), copy.deepcopy(DOCUMENT)
        if field in CODE:
            holders = [file["FileCode"]]
        elif field in ("Position", "FullName"):
            holders = [document["SignerInfo"]]
        else:
            holders = [file] if field == "Title" else [document]
        for holder in holders:
            holder[field] = "x" * length
        check_metadata(_xml(file, document))
        for holder in holders:
            holder[field] = "x" * (length + 1)
        with pytest.raises(MetadataInvalid) as refused:
            check_metadata(_xml(file, document))
        assert field in str(refused.value) and f"length of '{length + 1}'" in str(refused.value)


def test_r57_a_field_the_standard_does_not_name_or_a_missing_one_is_refused():
    with pytest.raises(MetadataInvalid, match="Sender"):
        _xml(document={**DOCUMENT, "Sender": "x"})
    without = {k: v for k, v in DOCUMENT.items() if k != "Subject"}
    with pytest.raises(MetadataInvalid, match="missing: Subject"):
        _xml(document=without)
    with pytest.raises(MetadataInvalid, match="Priority"):
        check_metadata(_xml(document={**DOCUMENT, "Priority": 12}))


def test_r57_the_packages_metadata_names_every_field_of_files_and_documents(db_session, signing_settings, store,
                                                                           ward, checkpointer):
    settings = with_organ_id(signing_settings)
    year = closed_year(db_session, settings, store, ward)
    pack = build_transfer(db_session, settings=settings, store=store, actor=ward.clerk, year=YEAR)
    with zipfile.ZipFile(io.BytesIO(pack.data)) as z:
        xml = z.read("metadata.xml")
        assert z.read("schema/r57.xsd") == transferpack.shipped_schema()
    assert transferpack.schema_problems(xml) == []
    root = etree.fromstring(xml)
    [file] = root.findall("File")
    present = lambda node: [c.tag for c in node]  # noqa: E731
    assert present(file) == [f for f in R57_FILE if f != "Description"] + ["Documents"]   # no note: no Description
    [outgoing] = file.findall("Documents/Document")
    [incoming] = file.findall("Documents/IncomingDocument")
    assert outgoing.get("id") == str(year.outgoing.id) and incoming.get("id") == str(year.incoming.id)
    no_deadline = [f for f in R57_DOCUMENT if f not in ("Description", "DueDate")]
    assert present(outgoing) == no_deadline
    assert present(incoming) == no_deadline + R57_INCOMING
    assert present(outgoing.find("FileCode")) == R57_CODE and present(outgoing.find("SignerInfo")) == R57_SIGNER
    assert outgoing.findtext("FileCode/OrganId") == "000.00.00.H41"
    assert outgoing.findtext("SignerInfo/FullName") == ward.leader.full_name
    assert incoming.findtext("OrganName") == "UBND phường Bên Cạnh"
    assert incoming.findtext("ArrivalNumber") == str(year.incoming.register_number)


def test_r57_a_metadata_file_with_a_doctype_is_refused_and_its_external_entity_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("MẬT-KHẨU-BÍ-MẬT", encoding="utf-8")
    xml = _xml().replace("<Title>Hồ sơ tiếp công dân</Title>".encode(), b"<Title>&x;</Title>")
    xml = xml.replace(b"<ArchiveTransfer", f'<!DOCTYPE ArchiveTransfer [<!ENTITY x SYSTEM "file://{secret}">]>\n'
                      "<ArchiveTransfer".encode(), 1)
    assert transferpack.schema_problems(xml) == ["a DOCTYPE is not allowed in the metadata"]


def test_r57_a_control_character_xml_cannot_hold_is_refused_naming_the_document():
    with pytest.raises(MetadataInvalid, match="document 9"):
        _xml(document={**DOCUMENT, "Subject": "Về việc\x0b phối hợp"})
    with pytest.raises(MetadataInvalid, match="file 01.VP"):
        _xml(file={**FILE, "Title": "Hồ sơ\x00"})
