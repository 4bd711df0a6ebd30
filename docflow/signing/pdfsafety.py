"""Byte-level checks that run before and beside pyHanko: what its reader tolerates or cannot bound.

These look at the raw bytes only (C-speed searches, no parsing), so they cost next to nothing next to
the signature validation itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from docflow.errors import N_, UnreadablePdfError

# A legitimate PDF nests arrays a few levels deep and reaches anything deeper through indirect
# references. The common hostile form, a long run of "[", is refused here with a literal search (C
# speed); every other deep nesting (whitespace, comments or dictionaries between the openers) makes
# pyHanko's recursive parser raise RecursionError, which verify.py turns into the same answer. A full
# nesting scan in a regular expression cost 7% of a whole verification, so it is not done here.
MAX_NESTING = 128
_DEEP_ARRAYS = b"[" * MAX_NESTING
_HEADER_WINDOW = 1024
_EOF_MARKER = b"%%EOF"
# Whitespace and the NUL padding some producers leave after the final %%EOF.
_PADDING = b" \t\r\n\f\x00"
_HEX_STRING = re.compile(rb"<([0-9A-Fa-f\s]*)>")

MSG_EMPTY = N_("The file is empty.")
MSG_NOT_PDF = N_("The file is not a PDF document.")
MSG_DAMAGED = N_("The PDF is damaged or cannot be read.")
MSG_TOO_DEEP = N_("The PDF nests objects too deeply to be read safely.")


def check_readable(data: bytes) -> None:
    """Reject input that is not worth handing to a PDF parser.

    Raises UnreadablePdfError when the input is empty, has no PDF header, has no end-of-file marker
    (truncated) or nests arrays/dictionaries deeper than MAX_NESTING.
    """
    if not data:
        raise UnreadablePdfError(MSG_EMPTY)
    if b"%PDF-" not in data[:_HEADER_WINDOW]:
        raise UnreadablePdfError(MSG_NOT_PDF)
    if data.rfind(_EOF_MARKER) < 0:
        raise UnreadablePdfError(MSG_DAMAGED)
    if _DEEP_ARRAYS in data:
        raise UnreadablePdfError(MSG_TOO_DEEP)


def trailing_garbage(data: bytes) -> int:
    """Count the bytes after the last %%EOF that are not padding.

    pyHanko locates the last revision by searching backwards for %%EOF and ignores anything after it,
    so content appended without an xref section and trailer would otherwise go unnoticed.
    Raises nothing.
    """
    end = data.rfind(_EOF_MARKER)
    if end < 0:
        return len(data)
    return len(data[end + len(_EOF_MARKER):].strip(_PADDING))


def byte_range_defect(byte_range: Sequence[object], contents: bytes, data: bytes) -> str | None:
    """Say what is wrong with a signature's /ByteRange, or None when it is the standard shape.

    The standard shape is [0 a b c] with 0 < a < b <= b + c <= len(data), where bytes a..b are exactly
    one hex string whose value is the signature's /Contents, so the gap hides nothing else and the
    signed bytes are where the signature dictionary says they are. Raises nothing.
    """
    values = list(byte_range)
    if len(values) != 4 or not all(type(v) is not bool and isinstance(v, int) for v in values):
        return "ByteRange is not four integers"
    start1, len1, start2, len2 = (int(v) for v in values)  # type: ignore[call-overload]
    if start1 != 0:
        return "ByteRange does not start at 0"
    if len1 <= 0 or len2 < 0 or start2 <= len1:
        return "ByteRange parts overlap or are empty"
    if start2 + len2 > len(data):
        return "ByteRange extends past the end of the file"
    gap = _HEX_STRING.fullmatch(data, len1, start2)
    if gap is None:
        return "the unsigned gap is not exactly one hex string"
    try:
        gap_value = bytes.fromhex(gap.group(1).decode("ascii"))
    except ValueError:
        return "the unsigned gap is not valid hex"
    if gap_value != contents:
        return "the unsigned gap is not the signature's /Contents"
    return None
