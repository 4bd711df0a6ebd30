"""Reading the previous system's index (one CSV row per document) for `docflow import`: UTF-8 with or
without a byte-order mark, comma or semicolon (Excel in Vietnam writes both), English column keys or their
Vietnamese headers, read one row at a time so a file of any length costs the same memory.

A row the importer cannot understand becomes a ``Refusal`` with a reason; the file itself being unreadable
(no header, an unknown or missing column, not UTF-8) raises ``IndexFileError``."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from pathlib import Path
from typing import Any

from docflow import doctypes, textsearch
from docflow.errors import N_, DocflowError
from docflow.models import DocumentKind

# English key -> the headers accepted for it, compared without case or diacritics ("Trích yếu" = "trich yeu").
COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("kind", "phan loai", "chieu"),
    "type": ("type", "doc_type", "ten loai", "loai van ban"),
    "register": ("register", "series", "so dang ky", "dai so"),
    "year": ("year", "nam"),
    "number": ("number", "so"),
    "symbol": ("symbol", "ky hieu"),
    "document_date": ("document_date", "ngay van ban", "ngay thang van ban"),
    "arrival_date": ("arrival_date", "ngay den"),
    "arrival_number": ("arrival_number", "so den"),
    "issuing_body": ("issuing_body", "co quan ban hanh", "tac gia"),
    "summary": ("summary", "trich yeu"),
    "signer": ("signer", "nguoi ky"),
    "file_name": ("file_name", "file", "ten tep", "tep"),
    "file_code": ("file_code", "ho so", "ma ho so", "so va ky hieu ho so"),
}
REQUIRED = ("kind", "type", "year", "number", "summary", "file_name", "file_code")
KINDS: dict[str, DocumentKind] = {
    "incoming": DocumentKind.INCOMING, "den": DocumentKind.INCOMING, "van ban den": DocumentKind.INCOMING,
    "outgoing": DocumentKind.OUTGOING, "di": DocumentKind.OUTGOING, "van ban di": DocumentKind.OUTGOING,
    "internal": DocumentKind.INTERNAL, "noi bo": DocumentKind.INTERNAL, "van ban noi bo": DocumentKind.INTERNAL,
}
TYPES: dict[str, str] = {**{t.code: t.code for t in doctypes.DOCUMENT_TYPES},
                         **{textsearch.fold(t.name_vi): t.code for t in doctypes.DOCUMENT_TYPES}}
SERIES = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")
MAX_SYMBOL, MAX_SIGNER = 100, 100


class IndexFileError(DocflowError):
    """The index file as a whole cannot be read: the command stops with exit status 2."""


@dataclass(frozen=True)
class Refusal:
    """Why a row was not imported: ``key`` a stable English code, ``message`` an English msgid (shown in
    Vietnamese) with its ``params``."""
    key: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportRow:
    """One document of the previous system, as its index row describes it. ``key_number`` is its number in
    the register: for an incoming document the arrival number (số đến), with ``number`` / ``symbol`` the
    issuing body's own; else ``number``. With kind, register, year and symbol it is the row's key."""
    line: int
    kind: DocumentKind
    doc_type: str
    register: str
    year: int
    key_number: int          # the number in its register and year: số đến (incoming), else số
    number: int | None
    symbol: str
    document_date: date | None
    arrival_at: datetime | None
    issuing_body: str
    summary: str
    signer: str
    file_name: str
    file_code: str

    @property
    def number_symbol(self) -> str:
        """"15/QĐ-UBND": the number (zero-padded below 10, Decree 30 Annex I) and the symbol."""
        if self.number is None:
            return self.symbol
        return f"{self.number:02d}/{self.symbol}" if self.symbol else f"{self.number:02d}"


class RowError(Exception):
    """A row refused while it is read or imported; ``refusal`` says why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.key)
        self.refusal = refusal


def _refuse(key: str, message: str, **params: Any) -> RowError:
    return RowError(Refusal(key=key, message=message, params=params))


def _header(names: list[str]) -> list[str]:
    wanted = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    keys: list[str] = []
    for name in names:
        key = wanted.get(textsearch.fold(name.replace("_", " ")), wanted.get(textsearch.fold(name)))
        if key is None:
            raise IndexFileError(N_("The index has a column docflow does not know: %(name)s."), name=name.strip())
        if key in keys:
            raise IndexFileError(N_("The index names the column %(name)s twice."), name=key)
        keys.append(key)
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        raise IndexFileError(N_("The index lacks the column(s): %(names)s."), names=", ".join(missing))
    return keys


def read_index(path: Path, *, zone: tzinfo) -> Iterator[tuple[int, ImportRow | Refusal]]:
    """Each data row of the index with its line number: the row, or why it is refused. Streams the file.

    Raises IndexFileError (unreadable, not UTF-8, no or a wrong header)."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise IndexFileError(N_("The index file cannot be read: %(error)s."), error=exc.strerror or str(exc)) from None
    with handle:
        try:
            first = handle.readline()
            delimiter = ";" if first.count(";") > first.count(",") else ","
            reader = csv.reader([first], delimiter=delimiter)
            names = next(reader, None)
            if not names or not any(n.strip() for n in names):
                raise IndexFileError(N_("The index file is empty: it needs a header row."))
            keys = _header(names)
            rows = csv.reader(handle, delimiter=delimiter)
            for values in rows:
                line = rows.line_num + 1
                if not any(v.strip() for v in values):
                    continue
                try:
                    yield line, parse_row(line, keys, values, zone=zone)
                except RowError as exc:
                    yield line, exc.refusal
        except UnicodeDecodeError:
            raise IndexFileError(N_("The index file is not UTF-8 text (save it from Excel as “CSV UTF-8”).")) from None
        except csv.Error as exc:
            raise IndexFileError(N_("The index file is not a readable CSV: %(error)s."), error=str(exc)) from None


def _int(value: str, key: str, *, required: bool) -> int | None:
    text = value.strip()
    if not text:
        if required:
            raise _refuse("missing_" + key, N_("The column %(column)s is empty."), column=key)
        return None
    if not text.isdigit() or int(text) < 1 or len(text) > 9:
        raise _refuse("bad_" + key, N_("%(column)s must be a whole number from 1: %(value)s."), column=key,
                      value=text[:40])
    return int(text)


def _date(value: str, key: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _refuse("bad_" + key, N_("%(column)s is not a date (dd/mm/yyyy): %(value)s."), column=key, value=text[:40])


def _moment(value: str, key: str, zone: tzinfo) -> datetime | None:
    text = " ".join(value.strip().replace("T", " ").split())
    if not text:
        return None
    for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    day = _date(text, key)
    return datetime.combine(day, time(), zone) if day is not None else None


def _number(cell: dict[str, str], key: str) -> int:
    number = _int(cell.get(key, ""), key, required=True)
    if number is None:   # _int refuses an empty required cell: this is for the type checker's sake
        raise _refuse("missing_" + key, N_("The column %(column)s is empty."), column=key)
    return number


def _kind_and_type(text: str, type_text: str) -> tuple[DocumentKind, str]:
    kind = KINDS.get(textsearch.fold(text))
    if kind is None:
        raise _refuse("bad_kind", N_("The kind must be incoming, outgoing or internal (đến, đi, nội bộ): %(value)s."),
                      value=text[:40])
    doc_type = TYPES.get(textsearch.fold(type_text), TYPES.get(type_text))
    if doc_type is None:
        raise _refuse("bad_type", N_("Unknown document type: %(value)s."), value=type_text[:60])
    return kind, doc_type


def parse_row(line: int, keys: list[str], values: list[str], *, zone: tzinfo) -> ImportRow:
    """One row of the index as an ImportRow. Raises RowError with the reason."""
    if len(values) != len(keys):
        raise _refuse("bad_columns", N_("The row has %(found)s columns; the header has %(wanted)s."),
                      found=len(values), wanted=len(keys))
    cell = dict(zip(keys, values, strict=True))

    def text(key: str) -> str:
        return " ".join(cell.get(key, "").split())

    kind, doc_type = _kind_and_type(text("kind"), text("type"))
    register = text("register").lower()
    if register and not SERIES.match(register):
        raise _refuse("bad_register", N_("A register series is 1–20 lower-case letters, digits or hyphens: "
                                         "%(value)s."), value=register[:40])
    year = _number(cell, "year")
    if not 1900 <= year <= 9999:
        raise _refuse("bad_year", N_("Give a year between 1900 and 9999."))
    incoming = kind is DocumentKind.INCOMING
    number = _int(cell["number"], "number", required=False)
    row = ImportRow(
        line=line, kind=kind, doc_type=doc_type, register=register, year=year,
        key_number=_number(cell, "arrival_number" if incoming else "number"), number=number, symbol=text("symbol"),
        document_date=_date(cell.get("document_date", ""), "document_date"),
        arrival_at=_moment(cell.get("arrival_date", ""), "arrival_date", zone),
        issuing_body=text("issuing_body"), summary=text("summary"), signer=text("signer"),
        file_name=cell["file_name"].strip(), file_code=text("file_code"))
    _check(row)
    return row


def _check(row: ImportRow) -> None:
    if len(row.symbol) > MAX_SYMBOL or len(row.signer) > MAX_SIGNER:
        raise _refuse("too_long", N_("The symbol or the signer's name is too long (at most 100 characters)."))
    for key, value in (("file_name", row.file_name), ("file_code", row.file_code)):
        if not value:
            raise _refuse("missing_" + key, N_("The column %(column)s is empty."), column=key)
    if row.kind is DocumentKind.INCOMING and row.arrival_at is None:
        raise _refuse("missing_arrival_date", N_("An incoming document needs its arrival date (ngày đến)."))
    if row.kind is not DocumentKind.INCOMING and row.document_date is None:
        raise _refuse("missing_document_date", N_("The column %(column)s is empty."), column="document_date")
