"""Names for downloaded files that say what the file is ("03-UBND-VP_2026-12-06_v4.pdf": the number and
symbol with "/" as "-", the document's date or today, then what the file is), and the Content-Disposition
that carries them: an ASCII ``filename`` every browser reads and, when the name has Vietnamese letters,
the exact name as RFC 5987's ``filename*``."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import quote

from werkzeug.wrappers import Response

from docflow.models import Document, utc_now
from docflow.web.helpers import settings

_UNSAFE = re.compile(r"[^\w.-]+")            # keeps letters (Vietnamese too), digits, "_", "." and "-"
_NOT_ASCII = re.compile(r"[^A-Za-z0-9_.-]+")
_DASHES = re.compile(r"-{2,}")


def _clean(part: str) -> str:
    return _DASHES.sub("-", _UNSAFE.sub("-", unicodedata.normalize("NFC", part).replace("/", "-"))).strip("-.")


def ascii_name(name: str) -> str:
    """``name`` without diacritics (Đ/đ as D/d) and with anything else outside [A-Za-z0-9_.-] as "-"."""
    decomposed = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _DASHES.sub("-", _NOT_ASCII.sub("-", plain)).strip("-") or "file"


def file_name(number_symbol: str | None, day: date | None, *parts: str, fallback: str, ext: str = "pdf") -> str:
    """"<number-symbol>_<YYYY-MM-DD>_<part>…<.ext>" (``fallback`` when there is no number yet; today when
    there is no date), each piece made safe for a file name."""
    day = day or utc_now().astimezone(settings().app.zone).date()
    pieces = [_clean(number_symbol or "") or _clean(fallback), day.isoformat(), *(_clean(p) for p in parts)]
    return "_".join(p for p in pieces if p) + f".{ext}"


def document_file_name(document: Document, *parts: str, ext: str = "pdf") -> str:
    """The name of a file of ``document``: its number and symbol (or "van-ban-<id>" before it has one) and date."""
    return file_name(document.number_symbol, document.document_date, *parts, fallback=f"van-ban-{document.id}",
                     ext=ext)


def source_file_name(document: Document, version_number: int, original: str | None) -> str:
    """The Word source of a version: "<number>_<date>_v<n>_ban-word.docx" (or .odt, as it came)."""
    ext = (original or "").rsplit(".", 1)[-1].lower()
    return document_file_name(document, f"v{version_number}", "ban-word", ext=ext if ext in ("docx", "odt") else "docx")


def content_disposition(name: str, *, inline: bool = False) -> str:
    """The header value naming ``name``: plain ASCII, plus ``filename*`` (RFC 5987) when it is not ASCII."""
    fallback = ascii_name(name)
    value = f'{"inline" if inline else "attachment"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def named(response: Response, name: str, *, inline: bool = False) -> Response:
    """``response`` with its file named ``name``."""
    response.headers["Content-Disposition"] = content_disposition(name, inline=inline)
    return response
