"""Refusals of drafting from Word an attacker (or an unlucky drafter) would meet: a macro-enabled document,
a zip that is not a .docx though named one, a zip bomb, an oversized or encrypted file, parts linked from
outside the file, a role that does not draft, a version through someone else's draft, and a Word source
asked for through another document or from another ward. Each refusal stores nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import random
import zipfile
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow.convert import SourceKind, SourceLimits, inspect_source
from docflow.convert.office import (
    MSG_BOMB,
    MSG_ENCRYPTED,
    MSG_EXTERNAL,
    MSG_MACRO,
    MSG_NOT_WORD,
    MSG_TOO_LARGE,
)
from docflow.convert.templates import build_template
from docflow.errors import ValidationError
from docflow.models import Organisation, Role, User, VersionSource
from docflow.services import drafting, outgoing
from docflow.services.documents import UploadedFile
from tests.conftest import pdf_bytes
from tests.web.test_outgoing_web import _switch, people  # noqa: F401 - the fixture
from tests.wordconvert import TEST_WARD

DOCX = build_template("cong_van", TEST_WARD)


def _rezip(data: bytes, *, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, (replace or {}).get(item.filename, source.read(item.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _refused(data: bytes, message: str, limits: SourceLimits = SourceLimits()) -> None:
    with pytest.raises(ValidationError) as caught:
        inspect_source(data, limits)
    assert caught.value.message == message and caught.value.field == "file"


def test_a_docx_and_an_odt_are_told_from_their_structure_not_their_name() -> None:
    assert inspect_source(DOCX) is SourceKind.DOCX
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    assert inspect_source(odt.getvalue()) is SourceKind.ODT


def test_a_macro_enabled_document_is_refused() -> None:
    _refused(_rezip(DOCX, add={"word/vbaProject.bin": b"\x00" * 64}), MSG_MACRO)
    with zipfile.ZipFile(io.BytesIO(DOCX)) as archive:
        types = archive.read("[Content_Types].xml")
    docm = types.replace(b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                         b"application/vnd.ms-word.document.macroEnabled.main+xml")
    assert docm != types
    _refused(_rezip(DOCX, replace={"[Content_Types].xml": docm}), MSG_MACRO)
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("Basic/Standard/Module1.xml", "Sub Main\nShell(\"rm -rf /\")\nEnd Sub")
    _refused(odt.getvalue(), MSG_MACRO)


def test_a_zip_that_is_not_a_word_document_is_refused_whatever_its_name() -> None:
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("payload.sh", "#!/bin/sh\n")
    _refused(other.getvalue(), MSG_NOT_WORD)
    _refused(b"PK\x03\x04 not really a zip", MSG_NOT_WORD)
    _refused(pdf_bytes(), MSG_NOT_WORD)
    with zipfile.ZipFile(io.BytesIO(DOCX)) as archive:
        xlsx_types = archive.read("[Content_Types].xml").replace(
            b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml")
    _refused(_rezip(DOCX, replace={"[Content_Types].xml": xlsx_types}), MSG_NOT_WORD)


def test_a_zip_bomb_is_refused_before_anything_unpacks_it() -> None:
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"\x00" * (12 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100 * 1024
    _refused(bomb.getvalue(), MSG_BOMB, SourceLimits(max_unpacked_bytes=10 * 1024 * 1024))
    many = _rezip(DOCX, add={f"word/media/{i}.bin": b"" for i in range(2001)})
    _refused(many, MSG_BOMB)


def test_an_oversized_or_encrypted_document_is_refused() -> None:
    _refused(DOCX, MSG_TOO_LARGE, SourceLimits(max_bytes=len(DOCX) - 1))
    _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, MSG_ENCRYPTED)
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", b"\x8f\x02 encrypted bytes")
        archive.writestr("META-INF/manifest.xml", '<manifest:file-entry manifest:full-path="content.xml">'
                                                  '<manifest:encryption-data/></manifest:file-entry>')
    _refused(odt.getvalue(), MSG_ENCRYPTED)


def test_parts_linked_from_outside_the_file_are_refused_libreoffice_would_fetch_them() -> None:
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            b'relationships"><Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/image" Target="http://169.254.169.254/latest/meta-data/" TargetMode="External"/>'
            b'</Relationships>')
    _refused(_rezip(DOCX, replace={"word/_rels/document.xml.rels": rels}), MSG_EXTERNAL)


def test_an_oversized_upload_is_refused_before_it_is_stored(app: Any, store: Any) -> None:
    settings = app.extensions["docflow.settings"]
    small = dataclasses.replace(settings, convert=dataclasses.replace(settings.convert, max_source_mb=1))
    big = _rezip(DOCX, add={"word/media/big.bin": random.Random(12).randbytes(1_200_000)})
    with pytest.raises(ValidationError) as caught:
        drafting.receive_word_upload(store, UploadedFile(io.BytesIO(big), "du-thao.docx"), settings=small)
    assert caught.value.message == MSG_TOO_LARGE
    assert not store.exists(hashlib.sha256(big).hexdigest())


def _post_draft(client: Any, people: dict[str, Any], data: bytes, name: str = "du-thao.docx") -> Any:
    return client.post("/outgoing/new", {"doc_type": "cong_van", "summary": "V/v thử", "signer_id": people["leader"].id,
                                         "file": (io.BytesIO(data), name)})


def test_a_macro_document_named_docx_is_refused_on_the_draft_form_in_vietnamese(
        client: Any, people: dict[str, Any], db_session: Session) -> None:
    assert client.login(people["drafter"]).status_code == 302
    response = _post_draft(client, people, _rezip(DOCX, add={"word/vbaProject.bin": b"\x00" * 64}))
    assert response.status_code == 400
    assert "Tệp Word có chứa macro" in response.get_data(as_text=True)
    assert db_session.execute(select(func.count()).select_from(VersionSource)).scalar_one() == 0


def test_a_role_that_does_not_draft_cannot_upload_a_word_draft(
        client: Any, people: dict[str, Any], make_user: Any, store: Any, db_session: Session) -> None:
    auditor = make_user(Role.AUDITOR)
    docx = build_template("to_trinh", dataclasses.replace(TEST_WARD, unit="AUD"))
    assert client.login(auditor).status_code == 302
    assert _post_draft(client, people, docx).status_code == 403
    assert not store.exists(hashlib.sha256(docx).hexdigest())
    assert client.get("/outgoing/templates/quyet_dinh.docx").status_code == 403


def test_a_word_version_through_someone_elses_draft_is_refused_before_conversion(
        client: Any, people: dict[str, Any], store: Any, db_session: Session) -> None:
    document = outgoing.create_draft(
        db_session, actor=people["drafter"], store=store, max_bytes=10 ** 7,
        data=outgoing.DraftInput(doc_type="cong_van", summary="V/v thử", signer_id=people["leader"].id),
        upload=UploadedFile(io.BytesIO(pdf_bytes()), "du-thao.pdf"))
    db_session.flush()
    docx = build_template("thong_bao", dataclasses.replace(TEST_WARD, unit="KHAC"))
    _switch(client, people["reader"])
    response = client.post(f"/outgoing/{document.id}/versions", {"file": (io.BytesIO(docx), "sua.docx")})
    assert response.status_code in (302, 403, 404)
    assert not store.exists(hashlib.sha256(docx).hexdigest())
    assert len(document.versions) == 1


def _with_source(db_session: Session, store: Any, people: dict[str, Any]) -> Any:
    """A draft whose version 1 has a Word source row (its PDF made without LibreOffice)."""
    document = outgoing.create_draft(
        db_session, actor=people["drafter"], store=store, max_bytes=10 ** 7,
        data=outgoing.DraftInput(doc_type="cong_van", summary="V/v có bản Word", signer_id=people["leader"].id),
        upload=UploadedFile(io.BytesIO(pdf_bytes()), "du-thao.pdf"))
    version = document.current_version
    db_session.add(VersionSource(organisation_id=document.organisation_id, version_id=version.id,
                                 sha256=store.put_bytes(DOCX), size=len(DOCX), original_filename="cong-van.docx",
                                 media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
    db_session.flush()
    return document


def test_a_word_source_cannot_be_had_through_another_document(
        client: Any, people: dict[str, Any], store: Any, db_session: Session) -> None:
    with_source = _with_source(db_session, store, people)
    without = outgoing.create_draft(
        db_session, actor=people["drafter"], store=store, max_bytes=10 ** 7,
        data=outgoing.DraftInput(doc_type="cong_van", summary="V/v không có bản Word", signer_id=people["leader"].id),
        upload=UploadedFile(io.BytesIO(pdf_bytes()), "khac.pdf"))
    db_session.flush()
    assert client.login(people["drafter"]).status_code == 302
    assert client.get(f"/outgoing/{with_source.id}/versions/1/source").get_data() == DOCX
    assert client.get(f"/outgoing/{without.id}/versions/1/source").status_code == 404
    assert client.get(f"/outgoing/{with_source.id}/versions/2/source").status_code == 404


def test_a_word_source_is_not_given_to_another_ward(
        client: Any, people: dict[str, Any], store: Any, db_session: Session) -> None:
    document = _with_source(db_session, store, people)
    other = Organisation(name="UBND phường Khác", code="UBND-K")
    db_session.add(other)
    db_session.flush()
    stranger = User(organisation_id=other.id, username="stranger", full_name="Người phường khác", role=Role.LEADER,
                    post="Chủ tịch", password_hash=people["drafter"].password_hash, is_active=True)
    db_session.add(stranger)
    db_session.flush()
    assert client.login(stranger).status_code == 302
    assert client.get(f"/outgoing/{document.id}/versions/1/source").status_code in (403, 404)


def test_images_or_text_linked_by_url_inside_the_text_are_refused() -> None:
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", '<office:document-content><draw:frame><draw:image '
                                        'xlink:href="http://169.254.169.254/latest/" xlink:type="simple"/>'
                                        '</draw:frame></office:document-content>')
    _refused(odt.getvalue(), MSG_EXTERNAL)
    embedded = io.BytesIO()
    with zipfile.ZipFile(embedded, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", '<office:document-content><draw:frame><draw:image '
                                        'xlink:href="Pictures/1.png" xlink:type="simple"/></draw:frame>'
                                        '</office:document-content>')
    assert inspect_source(embedded.getvalue()) is SourceKind.ODT
    with zipfile.ZipFile(io.BytesIO(DOCX)) as archive:
        body = archive.read("word/document.xml")
    field = body.replace(b"</w:body>", b'<w:p><w:r><w:instrText> INCLUDEPICTURE "file:///etc/passwd" '
                                      b'</w:instrText></w:r></w:p></w:body>')
    _refused(_rezip(DOCX, replace={"word/document.xml": field}), MSG_EXTERNAL)
