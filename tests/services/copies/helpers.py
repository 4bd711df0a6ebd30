"""Scans for the copy tests: real PDFs of page images, as a scanner makes them."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw


def scan_pdf(*, pages: int = 1, dpi: int = 200, mode: str = "RGB") -> bytes:
    """An A4 scan: one image per page at ``dpi`` across the page, in colour (RGB) or grey (L)."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    images = []
    for n in range(pages):
        image = Image.new("RGB", (width, height), (250, 248, 240))
        draw = ImageDraw.Draw(image)
        draw.rectangle((dpi, dpi, width - dpi, dpi + 40), fill=(20, 20, 20))
        draw.ellipse((width // 2, height // 2, width // 2 + dpi, height // 2 + dpi), outline=(200, 30, 30), width=8)
        draw.text((dpi, 2 * dpi), f"Trang {n + 1}", fill=(0, 0, 0))
        images.append(image.convert(mode))
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi), quality=80)
    return out.getvalue()
