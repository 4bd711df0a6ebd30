"""Refusals around the ward's seal image: only the administrator sets it, only with the form's CSRF token,
a bad picture is refused with a Vietnamese message and nothing stored, and one ward's seal never shows on
another ward's documents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from docflow.models import Organisation, Role, SealImage
from docflow.services import seals
from docflow.signing.stamp import demo_seal_png
from tests.services.seals.seal_pngs import seal_png


def _upload(client: Any, data: bytes, *, csrf: bool = True, diameter: str = "35") -> Any:
    import io
    return client.post("/admin/seal", {"diameter": diameter, "image": (io.BytesIO(data), "dau.png")}, csrf=csrf,
                       content_type="multipart/form-data")


def _count(db_session: Any) -> int:
    return db_session.execute(select(func.count()).select_from(SealImage)).scalar_one()


def test_r28_only_the_administrator_reaches_the_seal_screen(client: Any, db_session: Any, make_user: Any) -> None:
    for role in (Role.CLERK, Role.LEADER, Role.OFFICIAL, Role.HEAD, Role.AUDITOR):
        client.login(make_user(role))
        assert client.get("/admin/seal").status_code == 403
        assert _upload(client, seal_png()).status_code == 403
        assert client.get("/admin/seal/image.png").status_code == 403
        client.logout()
    assert _count(db_session) == 0


def test_r28_a_seal_upload_without_the_csrf_token_is_refused(client: Any, db_session: Any, make_user: Any) -> None:
    client.login(make_user(Role.ADMIN))

    assert _upload(client, seal_png(), csrf=False).status_code == 400
    assert _count(db_session) == 0


def test_r28_a_bad_seal_picture_gets_a_vietnamese_message_and_nothing_is_stored(
        client: Any, db_session: Any, make_user: Any) -> None:
    client.login(make_user(Role.ADMIN))

    blue = _upload(client, seal_png(colour=(20, 40, 180, 255)))
    assert blue.status_code == 400 and "Con dấu phải màu đỏ" in blue.get_data(as_text=True)
    opaque = _upload(client, seal_png(background=(255, 255, 255, 255)))
    assert opaque.status_code == 400 and "Nền của ảnh con dấu phải trong suốt" in opaque.get_data(as_text=True)
    wide = _upload(client, seal_png(), diameter="60")
    assert wide.status_code == 400 and "Đường kính con dấu phải từ 30 đến 45 mm" in wide.get_data(as_text=True)
    assert _count(db_session) == 0


def test_r28_the_administrator_uploads_the_seal_and_sees_it(client: Any, db_session: Any, make_user: Any) -> None:
    client.login(make_user(Role.ADMIN))

    assert _upload(client, seal_png(), diameter="37,5").status_code == 302
    page = client.get("/admin/seal").get_data(as_text=True)
    assert "37.5 mm" in page
    image = client.get("/admin/seal/image.png")
    assert image.status_code == 200 and image.get_data() == seal_png()
    [row] = db_session.execute(select(SealImage)).scalars()
    assert row.diameter_mm == 37.5


def test_r28_one_wards_seal_never_shows_on_another_wards_documents(
        db_session: Any, store: Any, make_user: Any) -> None:
    admin = make_user(Role.ADMIN)
    seals.upload_seal(db_session, actor=admin, data=seal_png(), diameter_mm=40, store=store)
    other = Organisation(name="UBND phường Khác", code="UBNDK")
    db_session.add(other)
    db_session.flush()

    image, diameter = seals.seal_for_signature(db_session, other, store)
    assert image == demo_seal_png("UBND phường Khác") and image != seal_png()
    assert seals.active_seal(db_session, other.id) is None
