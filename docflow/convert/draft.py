"""A converted draft made ready for the route: the empty number and date fields exactly over its blank
lines and the signer's empty signature field over its empty signature block, added before anyone signs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from docflow.convert.placement import Box, Places, find_places

if TYPE_CHECKING:
    from docflow.signing.stamp import Rect


def prepare_draft(pdf: bytes, *, signer_field: str) -> tuple[bytes, Places]:
    """``pdf`` with ``so_ky_hieu``, ``ngay_ban_hanh`` and the empty ``signer_field`` signature field, in
    incremental updates, and where they went. Raises ValidationError (a line or the block is missing or
    already filled in) or UnreadablePdfError."""
    # pyHanko at first use (the CLI imports the services, and they this package, at start-up)
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    from docflow.signing.base import DATE_FIELD, NUMBER_FIELD
    from docflow.signing.fields import add_text_fields_at
    from docflow.signing.incremental import damage_is_unreadable, open_incremental, written
    places = find_places(pdf)
    with_fields = add_text_fields_at(pdf, {NUMBER_FIELD: _rect(places.number), DATE_FIELD: _rect(places.date)},
                                     page=places.number.page)
    writer = open_incremental(with_fields)
    with damage_is_unreadable():
        box = places.signature
        append_signature_field(writer, SigFieldSpec(signer_field, on_page=box.page,
                                                    box=(round(box.x0), round(box.y0), round(box.x1), round(box.y1))))
    return written(writer), places


def _rect(box: Box) -> Rect:
    from docflow.signing.stamp import Rect  # pyHanko at first use (see prepare_draft)
    return Rect(box.x0, box.y0, box.x1, box.y1)
