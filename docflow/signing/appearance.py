"""What a visible signature shows and where: the field a signature goes into, its rectangle and its
rendered appearance, with the fonts, decoded images and rendered templates kept for a whole batch."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm, SigFieldSpec
from pyhanko.stamp import BaseStampStyle

from docflow.errors import N_, SigningError
from docflow.signing import stamp
from docflow.signing.base import LOCKING_KINDS, SignatureKind
from docflow.signing.fields import empty_signature_field
from docflow.signing.geometry import default_rect
from docflow.signing.stamp import AppearanceTemplate, FontLibrary, Rect, TemplateStampStyle, TextLine
from docflow.signing.typefaces import FontFace, text_width

# The signature block's type, in one place (Annex I, PL I.II.7: the authority and post lines and the name in
# bold capitals of 13-14 pt, Times-metric): the face is whatever typefaces.FontFace bundles as the bold serif.
BLOCK_FACE = FontFace.SERIF_BOLD
BLOCK_SIZE = 13.0
LEADING = 1.2                 # line height as a multiple of the size
MAX_HEADER_LINES = 3          # "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH"
MIN_IMAGE_LINES = 2           # the signature image keeps at least two lines' height


@dataclass(frozen=True)
class Appearance:
    """What a visible signature shows; ``page``/``box`` override the default placement."""

    mode_line: str | None = None     # "KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"
    collective_line: str | None = None   # "TM. ỦY BAN NHÂN DÂN" above a KT. line (the committee signs as a body)
    post: str = ""                   # "PHÓ CHỦ TỊCH"; "CHỦ TỊCH" under a TM. line
    full_name: str = ""              # the signer, or the organisation for ORGANISATION_TEXT
    signature_image: bytes | None = None
    seal_image: bytes | None = None
    number_symbol: str | None = None
    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    seal_diameter: float | None = None    # the seal's real diameter in points (None: 35 mm)


@dataclass(frozen=True)
class Placement:
    """How pyHanko is to make the field: its spec, the stamp style (None: invisible) and the stamp's text."""
    spec: SigFieldSpec
    style: BaseStampStyle | None = None
    params: dict[str, str] = field(default_factory=dict)


def initials(full_name: str) -> str:
    """``Nguyễn Văn An`` -> ``NVA``."""
    return "".join(part[0] for part in full_name.split() if part).upper()


class Appearances:
    """Fonts, decoded images and rendered appearance templates, built once for many documents."""

    def __init__(self, fonts: FontLibrary) -> None:
        self.fonts = fonts
        self._images: dict[bytes, Image.Image] = {}
        self._templates: dict[tuple[Any, ...], AppearanceTemplate] = {}

    def placement(self, writer: IncrementalPdfFileWriter, kind: SignatureKind, appearance: Appearance | None,
                  field_name: str, now: datetime) -> Placement:
        """The field and appearance of a new ``kind`` signature in ``field_name``; ``now`` (in the ward's
        time zone) is the time the text-only stamp prints. Raises SigningError when it cannot be placed."""
        lock: dict[str, Any] = {}
        if kind in LOCKING_KINDS:
            lock = {"field_mdp_spec": FieldMDPSpec(FieldMDPAction.ALL), "doc_mdp_update_value": MDPPerm.NO_CHANGES}
        existing = empty_signature_field(writer, field_name)
        if existing is not None:
            return self._existing_field(field_name, kind, appearance, existing)
        if appearance is None:
            if kind in (SignatureKind.PERSONAL, SignatureKind.ORGANISATION):
                raise SigningError(N_("A %(kind)s signature must be visible."), kind=kind.value)
            return Placement(SigFieldSpec(field_name, **lock))
        page, rect = default_rect(writer, kind, appearance.page, appearance.box, appearance.seal_diameter)
        spec = SigFieldSpec(field_name, on_page=page, box=rect.as_box(), **lock)
        if kind is SignatureKind.ORGANISATION_TEXT:
            params = {"number": appearance.number_symbol or "", "organisation": appearance.full_name,
                      "time": now.strftime("%d/%m/%Y %H:%M:%S %z")}
            return Placement(spec, stamp.text_stamp_style(self.fonts), params)
        template = self.template(kind, appearance, rect.width, rect.height)
        return Placement(spec, TemplateStampStyle(template=template))

    def _existing_field(self, field_name: str, kind: SignatureKind, appearance: Appearance | None,
                        existing: tuple[generic.DictionaryObject, Rect | None]) -> Placement:
        # A template's own empty field: pyHanko signs it as it is, so the appearance takes its size.
        field_obj, rect = existing
        if kind in LOCKING_KINDS and "/Lock" not in field_obj:
            # adding /Lock to an existing field is more than form filling for earlier signatures
            raise SigningError(N_("The signature field %(field)s cannot lock the document; the "
                                  "organisation signature needs a field of its own."), field=field_name)
        spec = SigFieldSpec(field_name)
        if rect is None:
            return Placement(spec)
        if appearance is None or kind is SignatureKind.ORGANISATION_TEXT:
            template = AppearanceTemplate.render(self.fonts, rect.width, rect.height)
        else:
            template = self.template(kind, appearance, rect.width, rect.height)
        return Placement(spec, TemplateStampStyle(template=template))

    def template(self, kind: SignatureKind, appearance: Appearance, width: float,
                 height: float) -> AppearanceTemplate:
        """The rendered appearance of ``kind`` in a width×height box (cached). Raises SigningError."""
        key = (kind, appearance.collective_line, appearance.mode_line, appearance.post, appearance.full_name,
               _digest(appearance.signature_image), _digest(appearance.seal_image), round(width, 2),
               round(height, 2))
        template = self._templates.get(key)
        if template is None:
            template = self._templates[key] = self._render(kind, appearance, width, height)
        return template

    def _render(self, kind: SignatureKind, appearance: Appearance, width: float,
                height: float) -> AppearanceTemplate:
        if kind is SignatureKind.ORGANISATION:
            if appearance.seal_image is None:
                raise SigningError(N_("The organisation has no seal image."))
            return stamp.image_template(self.fonts, self.image(appearance.seal_image), width, height)
        if kind is SignatureKind.INITIAL and appearance.signature_image is not None:
            return stamp.image_template(self.fonts, self.image(appearance.signature_image), width, height)
        if kind is SignatureKind.INITIAL:
            return stamp.initials_template(self.fonts, initials(appearance.full_name), width, height)
        image = self.image(appearance.signature_image) if appearance.signature_image else None
        return signature_block(self.fonts, width, height, header=header_lines(appearance),
                               full_name=appearance.full_name, signature_image=image)

    def image(self, data: bytes) -> Image.Image:
        """The decoded image (cached by content). Raises SigningError."""
        key = hashlib.sha256(data).digest()
        image = self._images.get(key)
        if image is None:
            image = self._images[key] = stamp.open_png(data)
        return image


def header_lines(appearance: Appearance) -> list[str]:
    """The lines above the signature image, top down: the collective's TM. line, the authority line, the
    signer's post (at most three)."""
    lines = [appearance.collective_line, appearance.mode_line, appearance.post]
    return [" ".join(line.split()) for line in lines if line and line.strip()][:MAX_HEADER_LINES]


def fits(fonts: FontLibrary, text: str, width: float, size: float = BLOCK_SIZE) -> bool:
    """Whether ``text`` in the block's type at ``size`` fits ``width`` without shrinking."""
    return text_width(fonts, BLOCK_FACE, text, size) <= width


def block_size(height: float) -> float:
    """The block's type size for a box ``height`` high: 13 pt while three header lines, the name and a
    two-line signature image fit; smaller in proportion in a shorter box."""
    needed = (MAX_HEADER_LINES + 1 + MIN_IMAGE_LINES) * BLOCK_SIZE * LEADING
    return BLOCK_SIZE if height >= needed else BLOCK_SIZE * height / needed


def signature_block(fonts: FontLibrary, width: float, height: float, *, header: list[str], full_name: str,
                    signature_image: Image.Image | None) -> AppearanceTemplate:
    """The personal signature block (Annex I; R27): up to three header lines in bold capitals from the top,
    the name in bold at the bottom, and the signer's image centred between the last header line and the
    name. A line wider than the box shrinks to its width (stamp._shaped_line)."""
    size = block_size(height)
    line_height = size * LEADING
    # room above the first baseline for the stacked marks of Ủ, Ậ
    first = height - size * 1.05
    # A lone post sits on the second line, level with the image's top, as in Annex I.
    offset = 1 if len(header) == 1 else 0
    lines = [(TextLine(text, BLOCK_FACE, size), first - (offset + i) * line_height) for i, text in enumerate(header)]
    name_baseline = size * 0.35
    lines.append((TextLine(full_name, BLOCK_FACE, size), name_baseline))
    images = []
    if signature_image is not None:
        last = first - (offset + max(len(header), 1) - 1) * line_height
        area = Rect(0, name_baseline + size * 1.1, width, last - size * 0.35)
        if area.height > 0:
            images.append((signature_image, area))
    return AppearanceTemplate.render(fonts, width, height, lines, images)


def _digest(data: bytes | None) -> bytes | None:
    return None if data is None else hashlib.sha256(data).digest()
