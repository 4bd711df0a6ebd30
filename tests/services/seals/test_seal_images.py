"""The ward's seal image (Decree 30, Annex I, R28): what an upload must be, each refusal with its message,
the latest upload in use, and the seal placed at its real diameter over the left third of the signer's
image on an issued document that still verifies."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from sqlalchemy import select

from docflow.errors import PermissionDeniedError, ValidationError
from docflow.models import AuditEvent, Role, SealImage
from docflow.services import seals
from docflow.services import signatures as signing_service
from docflow.services.outgoing import DraftDetails, draft_template_pdf
from docflow.signing.stamp import MM, personal_image_rect, Rect
from tests.services.outgoing.test_outgoing import Ward, _issue, _signed, ward  # noqa: F401 (the fixture)
from tests.services.seals.seal_pngs import seal_png


@pytest.mark.parametrize(("data", "message"), [
    (seal_png(fmt="JPEG", mode="RGB"), "must be a PNG"),
    (b"not an image at all", "must be a PNG"),
    (seal_png(mode="RGB"), "alpha channel"),
    (seal_png(background=(255, 255, 255, 255)), "background must be transparent"),
    (seal_png(size=(200, 200)), "between 300 and 4000 pixels"),
    (seal_png(size=(600, 400)), "about square"),
    (seal_png(colour=(20, 40, 180, 255)), "must be red"),
    (seal_png(colour=(0, 0, 0, 255)), "must be red"),
    (seal_png(colour=(200, 20, 30, 0)), "almost empty"),
    (b"\x89PNG" + b"\0" * (2 * 1024 * 1024), "larger than 2 MB"),
])
def test_r28_a_seal_upload_that_is_not_a_transparent_red_png_of_seal_size_is_refused(
        db_session: Any, store: Any, make_user: Any, data: bytes, message: str) -> None:
    admin = make_user(Role.ADMIN)

    with pytest.raises(ValidationError) as refused:
        seals.upload_seal(db_session, actor=admin, data=data, diameter_mm=35, store=store)

    assert message in str(refused.value)
    assert db_session.execute(select(SealImage)).first() is None


@pytest.mark.parametrize("diameter", ["29.5", "45.5", "0", "-35", "abc", "nan"])
def test_r28_a_diameter_outside_30_to_45_mm_is_refused(diameter: str) -> None:
    with pytest.raises(ValidationError):
        seals.parse_diameter(diameter)


def test_r28_the_latest_upload_is_the_seal_in_use_at_its_diameter(db_session: Any, store: Any, make_user: Any) -> None:
    admin = make_user(Role.ADMIN)
    first = seals.upload_seal(db_session, actor=admin, data=seal_png(), diameter_mm=35, store=store)
    second = seals.upload_seal(db_session, actor=admin, data=seal_png((500, 500)), diameter_mm=40, store=store)
    changed = seals.set_seal_diameter(db_session, actor=admin, diameter_mm=42.5)

    assert seals.active_seal(db_session, admin.organisation_id).id == changed.id
    assert (changed.sha256, changed.diameter_mm) == (second.sha256, 42.5) and first.sha256 != second.sha256
    assert store.read(changed.sha256) == seal_png((500, 500))
    image, diameter = seals.seal_for_signature(db_session, admin.organisation, store)
    assert image == seal_png((500, 500)) and diameter == pytest.approx(42.5 * MM)
    actions = db_session.execute(select(AuditEvent.action).where(AuditEvent.object_type == "seal_image")).scalars()
    assert list(actions) == ["organisation.seal_image_changed"] * 3


def test_r28_only_the_administrator_sets_the_seal(db_session: Any, store: Any, make_user: Any) -> None:
    for role in (Role.CLERK, Role.LEADER, Role.OFFICIAL, Role.AUDITOR):
        with pytest.raises(PermissionDeniedError):
            seals.upload_seal(db_session, actor=make_user(role), data=seal_png(), diameter_mm=35, store=store)
    with pytest.raises(ValidationError):   # nothing to resize yet
        seals.set_seal_diameter(db_session, actor=make_user(Role.ADMIN), diameter_mm=40)


def _organisation_widget(data: bytes) -> tuple[Rect, Rect]:
    reader = PdfFileReader(io.BytesIO(data))
    rects = {name: Rect(*(float(v) for v in ref.get_object()["/Rect"]))
             for name, _, ref in fields.enumerate_sig_fields(reader)}
    return rects["organisation"], rects["personal_1"]


def _issued(db_session: Any, signing_settings: Any, store: Any, ward: Ward) -> bytes:
    template = draft_template_pdf(organisation_name="UBND phường Tích Sơn", doc_type="quyet_dinh",
                                  summary="Về việc thành lập tổ công tác",
                                  details=DraftDetails(unit="ĐC", internal_recipients=(ward.culture.name,)))
    document = _signed(db_session, signing_settings, store, ward, content=template)
    _issue(db_session, signing_settings, store, document, ward.clerk)
    data = store.read(document.current_version.sha256)
    report = signing_service.verify_bytes(db_session, settings=signing_settings, data=data)
    assert report["valid"] is True
    assert [s["field"] for s in report["signatures"]] == ["personal_1", "organisation"]
    return data


@pytest.mark.parametrize("diameter", [None, 40.0])
def test_r28_the_issued_seal_is_its_real_diameter_over_the_left_third_of_the_signature(
        db_session: Any, signing_settings: Any, store: Any, ward: Ward, make_user: Any,
        diameter: float | None) -> None:
    if diameter is not None:
        seals.upload_seal(db_session, actor=make_user(Role.ADMIN), data=seal_png(), diameter_mm=diameter, store=store)
    seal, personal = _organisation_widget(_issued(db_session, signing_settings, store, ward))
    image = personal_image_rect(personal)
    expected = (diameter or 35.0) * MM    # 35 mm = 99.2 pt

    assert seal.width == pytest.approx(expected, abs=1) and seal.height == pytest.approx(expected, abs=1)
    assert seal.x1 == pytest.approx(image.x0 + image.width / 3, abs=1)
    assert seal.x0 < image.x0 < seal.x1
    assert (seal.y0 + seal.y1) / 2 == pytest.approx((image.y0 + image.y1) / 2, abs=1)
