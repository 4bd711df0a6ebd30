"""The demo ward's signature and seal images, drawn rather than shipped (demo data only)."""

from __future__ import annotations

import functools
import io
import math

from PIL import Image, ImageDraw, ImageFont

from docflow.signing.typefaces import FONT_DIR, FontFace


def demo_signature_png(name: str) -> bytes:
    """A blue, handwriting-like stroke over a transparent background, derived from ``name`` (demo data)."""
    width, height = 360, 150
    image = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    seed = sum(ord(c) for c in name) or 1
    points = []
    for step in range(60):
        t = step / 59
        x = 20 + t * (width - 40)
        y = height / 2 + math.sin(t * 9 + seed % 7) * 35 * (1 - t / 2) + math.cos(t * 23 + seed) * 12
        points.append((x, y))
    draw.line(points, fill=(20, 40, 180, 255), width=6, joint="curve")
    draw.line([(40, height - 30), (width - 60, height - 40)], fill=(20, 40, 180, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@functools.lru_cache(maxsize=8)
def demo_seal_png(organisation: str) -> bytes:
    """A red round seal with the organisation's name around a star, transparent outside (demo data).

    Drawn once per process and name (~13 ms a drawing, every issue applies it)."""
    size = 400
    image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 20, 30, 255)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    draw.ellipse((70, 70, size - 70, size - 70), outline=red, width=6)
    centre = size / 2
    star = []
    for k in range(10):
        radius = 60 if k % 2 == 0 else 24
        angle = -math.pi / 2 + k * math.pi / 5
        star.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    draw.polygon(star, fill=red)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
            str(FONT_DIR / FontFace.SERIF_BOLD.value), 26)
    except OSError:
        font = ImageFont.load_default()
    text = organisation.upper()
    # letters upright along the ring, centred on the top, each turned to follow the circle
    step = min(300 / max(len(text), 1), 16.0)
    first = -90 - step * (len(text) - 1) / 2
    for index, letter in enumerate(text):
        angle = first + index * step
        glyph = Image.new("RGBA", (48, 48), (255, 255, 255, 0))
        ImageDraw.Draw(glyph).text((24, 24), letter, fill=red, font=font, anchor="mm")
        glyph = glyph.rotate(-(angle + 90), resample=Image.Resampling.BICUBIC)
        x = centre + 155 * math.cos(math.radians(angle))
        y = centre + 155 * math.sin(math.radians(angle))
        image.alpha_composite(glyph, (round(x - 24), round(y - 24)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
