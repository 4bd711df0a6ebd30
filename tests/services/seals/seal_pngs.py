"""Seal pictures for the tests: a good one and one with each defect."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

RED = (200, 20, 30, 255)


def seal_png(size: tuple[int, int] = (400, 400), colour: tuple[int, int, int, int] = RED,
             background: tuple[int, int, int, int] = (255, 255, 255, 0), mode: str = "RGBA",
             fmt: str = "PNG") -> bytes:
    """A round red seal (two rings and a star-like disc) on a transparent square."""
    image = Image.new("RGBA", size, background)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((6, 6, w - 6, h - 6), outline=colour, width=max(4, w // 28))
    draw.ellipse((w * 0.2, h * 0.2, w * 0.8, h * 0.8), outline=colour, width=max(3, w // 60))
    draw.ellipse((w * 0.42, h * 0.42, w * 0.58, h * 0.58), fill=colour)
    out = io.BytesIO()
    (image if mode == "RGBA" else image.convert(mode)).save(out, format=fmt)
    return out.getvalue()
