"""What an uploaded word-processing file is, read from its zip structure and declared content types, never
from its name: a Word document (.docx) or an OpenDocument text (.odt). Macro-enabled, encrypted, oversized
and bomb-like files are refused before LibreOffice ever opens them."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from enum import StrEnum

from docflow.errors import N_, ValidationError


class SourceKind(StrEnum):
    DOCX = "docx"
    ODT = "odt"


MEDIA_TYPES = {
    SourceKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    SourceKind.ODT: "application/vnd.oasis.opendocument.text",
}
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # compound file: an encrypted .docx, or an old .doc
_ZIP_MAGIC = b"PK\x03\x04"
# Relationships LibreOffice would follow off the machine while converting (linked images, objects, templates).
_FETCHED = re.compile(rb'Type="[^"]*/(image|oleObject|attachedTemplate|subDocument|frame)"[^>]*'
                      rb'TargetMode="External"|TargetMode="External"[^>]*Type="[^"]*/'
                      rb'(image|oleObject|attachedTemplate|subDocument|frame)"', re.IGNORECASE)
# The same in the text itself: an ODT image or object by URL, a Word INCLUDEPICTURE / INCLUDETEXT field.
_LINKED_IN_TEXT = re.compile(rb'<(?:draw:image|draw:object|draw:object-ole|text:section-source)\b[^>]*'
                             rb'xlink:href="(?!\.?/?Pictures/|\./Object|Object)[^"]*"'
                             rb'|INCLUDE(?:PICTURE|TEXT)\s', re.IGNORECASE)
_TEXT_PARTS = ("content.xml", "styles.xml", "word/document.xml", "word/header1.xml", "word/header2.xml",
               "word/header3.xml", "word/footer1.xml", "word/footer2.xml", "word/footer3.xml")

MSG_NOT_WORD = N_("The file is not a Word (.docx) or OpenDocument text (.odt) document.")
MSG_TOO_LARGE = N_("The Word file is larger than the limit of %(limit)s MB.")
MSG_MACRO = N_("The Word file contains macros (.docm, vbaProject, Basic). Save it as a plain .docx or .odt "
               "without macros and upload that.")
MSG_ENCRYPTED = N_("The Word file is password-protected, or is an old .doc file. Save it as a .docx or .odt "
                   "without a password and upload that.")
MSG_BOMB = N_("The Word file is too complex to convert safely (it unpacks to more than %(limit)s MB or has "
              "too many parts).")
MSG_EXTERNAL = N_("The Word file links images or objects from outside the file. Insert them into the document "
                  "instead of linking them, then upload it again.")


@dataclass(frozen=True)
class SourceLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_entries: int = 2000


def inspect_source(data: bytes, limits: SourceLimits = SourceLimits()) -> SourceKind:
    """The kind of a .docx / .odt upload. Raises ValidationError (Vietnamese by default) for anything
    else: not a zip of either kind, too large, macro-enabled, encrypted, a bomb, externally linked parts."""
    if len(data) > limits.max_bytes:
        raise ValidationError(MSG_TOO_LARGE, field="file", limit=limits.max_bytes // (1024 * 1024))
    if data.startswith(_OLE_MAGIC):
        raise ValidationError(MSG_ENCRYPTED, field="file")
    if not data.startswith(_ZIP_MAGIC):
        raise ValidationError(MSG_NOT_WORD, field="file")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            kind = _kind_of(archive, limits)
            _check_linked_text(archive)
            return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError):
        raise ValidationError(MSG_NOT_WORD, field="file") from None


def _kind_of(archive: zipfile.ZipFile, limits: SourceLimits) -> SourceKind:
    entries = archive.infolist()
    if len(entries) > limits.max_entries or sum(e.file_size for e in entries) > limits.max_unpacked_bytes:
        raise ValidationError(MSG_BOMB, field="file", limit=limits.max_unpacked_bytes // (1024 * 1024))
    names = {e.filename for e in entries}
    if any(e.flag_bits & 0x1 for e in entries):
        raise ValidationError(MSG_ENCRYPTED, field="file")
    if "[Content_Types].xml" in names:
        _check_docx(archive, names)
        return SourceKind.DOCX
    if "mimetype" in names and _read(archive, "mimetype", 200).strip() == MEDIA_TYPES[SourceKind.ODT].encode():
        _check_odt(archive, names)
        return SourceKind.ODT
    raise ValidationError(MSG_NOT_WORD, field="file")


def _read(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of one entry (its declared size can lie)."""
    with archive.open(name) as fh:
        return fh.read(limit)


def _check_docx(archive: zipfile.ZipFile, names: set[str]) -> None:
    types = _read(archive, "[Content_Types].xml", 1024 * 1024).lower()
    # .docm / .dotm declare "application/vnd.ms-word.document.macroEnabled.main+xml" (or template.macroEnabled)
    if b"macroenabled" in types or b"vbaproject" in types or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise ValidationError(MSG_MACRO, field="file")
    if _DOCX_MAIN.encode() not in types:
        raise ValidationError(MSG_NOT_WORD, field="file")
    for name in names:
        if name.endswith(".rels") and _FETCHED.search(_read(archive, name, 4 * 1024 * 1024)):
            raise ValidationError(MSG_EXTERNAL, field="file")


def _check_odt(archive: zipfile.ZipFile, names: set[str]) -> None:
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise ValidationError(MSG_MACRO, field="file")
    manifest = _read(archive, "META-INF/manifest.xml", 1024 * 1024) if "META-INF/manifest.xml" in names else b""
    if b"encryption-data" in manifest:
        raise ValidationError(MSG_ENCRYPTED, field="file")
    if b"content.xml" not in manifest and "content.xml" not in names:
        raise ValidationError(MSG_NOT_WORD, field="file")


def _check_linked_text(archive: zipfile.ZipFile) -> None:
    names = set(archive.namelist())
    for name in _TEXT_PARTS:
        if name in names and _LINKED_IN_TEXT.search(_read(archive, name, 32 * 1024 * 1024)):
            raise ValidationError(MSG_EXTERNAL, field="file")
