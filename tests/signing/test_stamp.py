"""The visible appearance: rendered by poppler (pdftoppm, pdftotext) and checked pixel by pixel."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields

from docflow.signing.appearance import BLOCK_FACE, BLOCK_SIZE
from docflow.signing.base import NUMBER_FIELD, PadesLevel, SignatureKind
from docflow.signing.sign import Appearance, SignRequest, SigningContext, ensure_fields, fill_fields, sign_pdf
from docflow.signing.stamp import (
    FIELD_CHARACTERS,
    FONT_DIR,
    FontFace,
    FontLibrary,
    Rect,
    demo_seal_png,
    demo_signature_png,
    personal_image_rect,
    text_width,
)
from tests.testpki import LivePKI, tiny_pdf

VIETNAMESE = ["KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN", "PHÓ CHỦ TỊCH", "Nguyễn Văn An", "Trần Thị Bình",
              "UBND phường Tích Sơn", "Số: 07/UBND-VP", "Tích Sơn, ngày 27 tháng 11 năm 2026"]

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                                   reason="poppler-utils is not installed")


def blue_signature_png() -> bytes:
    """Blue pen strokes on a transparent background."""
    image = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line([(10, 90), (60, 20), (110, 95), (170, 25), (230, 90), (290, 40)], fill=(10, 30, 200, 255),
              width=9)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def red_seal_png() -> bytes:
    """A red ring and disc on a transparent background."""
    image = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, 196, 196), outline=(210, 20, 20, 255), width=14)
    draw.ellipse((70, 70, 130, 130), fill=(210, 20, 20, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def render(data: bytes, tmp_path: Path, dpi: int = 72, page: int = 1) -> Image.Image:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf),
                    str(tmp_path / "page")], check=True, capture_output=True, timeout=60)
    [png] = sorted(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("RGB")
    png.unlink()
    return image


def text_of(data: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "text.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True, timeout=60).stdout


def crop(image: Image.Image, rect: Rect, page_height: float, scale: float = 1.0, inset: float = 1) -> Image.Image:
    """The pixels of a PDF rectangle (PDF y grows upwards, image y downwards)."""
    return image.crop((round((rect.x0 + inset) * scale), round((page_height - rect.y1 + inset) * scale),
                       round((rect.x1 - inset) * scale), round((page_height - rect.y0 - inset) * scale)))


def count(region: Image.Image, predicate: Callable[[tuple[int, int, int]], bool]) -> int:
    pixels: Iterable[tuple[int, int, int]] = region.get_flattened_data()  # type: ignore[assignment]
    return sum(1 for pixel in pixels if predicate(pixel))


def is_ink(p: tuple[int, int, int]) -> bool:
    return min(p) < 200


def is_blue(p: tuple[int, int, int]) -> bool:
    return p[2] > 120 and p[2] > p[0] + 60 and p[2] > p[1] + 40


def is_red(p: tuple[int, int, int]) -> bool:
    return p[0] > 150 and p[0] > p[1] + 80 and p[0] > p[2] + 80


def widget(data: bytes, name: str) -> Rect:
    reader = PdfFileReader(io.BytesIO(data))
    for field_name, _, ref in fields.enumerate_sig_fields(reader):
        if field_name == name:
            return Rect(*(float(v) for v in ref.get_object()["/Rect"]))
    raise AssertionError(name)


@pytest.fixture(scope="module")
def chain(test_pki: LivePKI) -> dict[str, bytes]:
    from tests.signing.test_sign import decree30_chain

    return decree30_chain(test_pki)


@needs_poppler
def test_the_signed_page_shows_signature_in_blue_and_seal_in_red(chain: dict[str, bytes], tmp_path: Path) -> None:
    data = chain["organisation"]
    page = render(data, tmp_path)
    personal = widget(data, "personal_1")
    image_area = personal_image_rect(personal)
    seal = widget(data, "organisation")
    # the right two thirds of the signature image, which the seal does not cover
    uncovered = Rect(image_area.x0 + image_area.width / 3 + 2, image_area.y0, image_area.x1, image_area.y1)
    header = Rect(personal.x0, image_area.y1, personal.x1, personal.y1)
    outside = Rect(40, 200, 250, 400)

    assert count(crop(page, uncovered, 842), is_blue) > 30
    assert count(crop(page, seal, 842), is_red) > 100
    assert count(crop(page, header, 842), is_ink) > 20          # mode line and post
    assert count(crop(page, outside, 842), is_ink) == 0
    assert count(crop(page, outside, 842), is_red) == 0


@needs_poppler
def test_vietnamese_text_of_the_stamp_and_fields_survives_into_the_pdf(chain: dict[str, bytes],
                                                                      tmp_path: Path) -> None:
    text = unicodedata.normalize("NFC", text_of(chain["organisation"], tmp_path))

    for expected in ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Thị Bình", "Số: 07/UBND-VP",
                     "Tích Sơn, ngày 27 tháng 11 năm 2026"]:
        assert expected in text


@pytest.mark.parametrize("face", list(FontFace))
def test_the_bundled_fonts_have_a_glyph_for_every_vietnamese_letter(face: FontFace) -> None:
    cmap = TTFont(FONT_DIR / face.value).getBestCmap()
    letters = {c for text in VIETNAMESE for c in unicodedata.normalize("NFC", text)}
    letters |= set("ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")
    assert not [c for c in letters if ord(c) not in cmap]


def test_the_field_font_cut_covers_every_character_a_number_or_date_line_uses() -> None:
    cmap = TTFont(io.BytesIO(FontLibrary().field_font())).getBestCmap()
    letters = {c for text in VIETNAMESE for c in unicodedata.normalize("NFC", text)}

    assert letters <= FIELD_CHARACTERS
    assert not [c for c in FIELD_CHARACTERS if ord(c) not in cmap]
    assert ord("ñ") not in cmap  # a cut indeed: Latin-1 beyond Vietnamese is left out


@needs_poppler
def test_a_field_value_outside_the_cut_is_drawn_with_the_whole_font(tmp_path: Path) -> None:
    value = "Số: 07/ÑĐ-UBND € Ÿ"
    filled = fill_fields(ensure_fields(tiny_pdf()), {NUMBER_FIELD: value})

    assert value in unicodedata.normalize("NFC", text_of(filled, tmp_path))


def test_the_fonts_are_bundled_with_their_licence() -> None:
    assert (FONT_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1
    for face in FontFace:
        assert (FONT_DIR / face.value).stat().st_size > 100_000


@needs_poppler
def test_the_rendered_name_is_as_wide_as_the_font_metrics_predict(test_pki: LivePKI, tmp_path: Path) -> None:
    # catches wrong glyph widths in the embedded font (pyHanko + DejaVu spaced text about 2x too wide)
    name = "Nguyễn Văn An"
    box = (300.0, 300.0, 540.0, 410.0)
    data = sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.PERSONAL, PadesLevel.B_B,
                                Appearance(post="CHỦ TỊCH", full_name=name, box=box)),
                    SigningContext())
    scale = 4.0
    page = render(data, tmp_path, dpi=round(72 * scale))
    name_strip = crop(page, Rect(box[0], box[1], box[2], box[1] + 15), 842, scale, inset=0)
    columns = [x for x in range(name_strip.width)
               if any(is_ink(name_strip.getpixel((x, y))) for y in range(name_strip.height))]  # type: ignore[arg-type]
    ink_width = (columns[-1] - columns[0] + 1) / scale
    # the personal block's name is set in the block's type (signing.appearance: 13 pt bold, Annex I)
    predicted = text_width(FontLibrary(), BLOCK_FACE, name, BLOCK_SIZE)

    assert 0.85 * predicted < ink_width < 1.05 * predicted
    # centred in the block
    centre = box[0] + (columns[0] + columns[-1]) / 2 / scale
    assert centre == pytest.approx((box[0] + box[2]) / 2, abs=3)


@needs_poppler
def test_the_attachment_stamp_shows_number_and_time_top_right(test_pki: LivePKI, tmp_path: Path) -> None:
    data = sign_pdf(tiny_pdf(), test_pki.simple_signer("organisation"),
                    SignRequest(SignatureKind.ORGANISATION_TEXT, PadesLevel.B_T,
                                Appearance(full_name="UBND phường Tích Sơn", number_symbol="Số: 07/UBND-VP")),
                    SigningContext(timestamper=test_pki.timestamper(),
                                   validation_context=test_pki.validation_context()))
    rect = widget(data, "organisation_text")
    page = render(data, tmp_path)
    text = unicodedata.normalize("NFC", text_of(data, tmp_path))

    assert count(crop(page, rect, 842, inset=2), is_ink) > 50
    assert count(crop(page, Rect(40, 200, 250, 400), 842), is_ink) == 0
    assert "Số: 07/UBND-VP" in text and "UBND phường Tích Sơn" in text


@needs_poppler
def test_filled_fields_render_in_the_field_rectangle(chain: dict[str, bytes], tmp_path: Path) -> None:
    reader = PdfFileReader(io.BytesIO(chain["filled"]))
    number = next(r.get_object() for r in reader.root["/AcroForm"]["/Fields"]
                  if r.get_object()["/T"] == NUMBER_FIELD)
    rect = Rect(*(float(v) for v in number["/Rect"]))
    before = render(chain["personal"], tmp_path)
    after = render(chain["filled"], tmp_path)

    assert count(crop(before, rect, 842), is_ink) == 0
    assert count(crop(after, rect, 842), is_ink) > 20


def test_demo_images_are_transparent_pngs_in_the_right_colours() -> None:
    signature = Image.open(io.BytesIO(demo_signature_png("Nguyễn Văn An"))).convert("RGBA")
    seal = Image.open(io.BytesIO(demo_seal_png("UBND phường Tích Sơn"))).convert("RGBA")

    for image, colour in ((signature, is_blue), (seal, is_red)):
        pixels: list[tuple[int, int, int, int]] = list(image.get_flattened_data())  # type: ignore[arg-type]
        opaque = [(r, g, b) for r, g, b, a in pixels if a > 200]
        assert pixels[0][3] == 0  # transparent corner
        assert opaque and all(colour(p) for p in opaque)
    assert demo_signature_png("Nguyễn Văn An") != demo_signature_png("Trần Thị Bình")


@needs_poppler
def test_a_template_s_signature_field_gets_the_personal_block_at_its_own_size(test_pki: LivePKI,
                                                                            tmp_path: Path) -> None:
    from tests.testpki import SIGNATURE_FIELD, pdf_with_fields

    data = sign_pdf(pdf_with_fields(), test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.PERSONAL, PadesLevel.B_B,
                                Appearance(mode_line="TM. ỦY BAN NHÂN DÂN", post="CHỦ TỊCH",
                                           full_name="Nguyễn Văn An", signature_image=blue_signature_png()),
                                field_name=SIGNATURE_FIELD),
                    SigningContext())
    field = Rect(330, 120, 540, 220)
    page = render(data, tmp_path)

    assert count(crop(page, personal_image_rect(field), 842), is_blue) > 30
    assert "TM. ỦY BAN NHÂN DÂN" in unicodedata.normalize("NFC", text_of(data, tmp_path))
