"""The signature block a page prints (a draft from Word carries it typed): the authority prefix lines
("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH") and the post under them, read from the last page's right column."""

from __future__ import annotations

import re
from dataclasses import dataclass

from docflow.formatcheck.context import fold
from docflow.formatcheck.layout import UnreadableLayout, read_layout

PREFIX = re.compile(r"^(TM|KT|TL|TUQ|Q)\.\s")


@dataclass(frozen=True)
class PrintedBlock:
    prefixes: tuple[str, ...]
    post: str


def printed_block(data: bytes) -> PrintedBlock | None:
    """The block printed on the last page, or None (none printed, or the PDF cannot be read)."""
    try:
        layout = read_layout(data)
    except UnreadableLayout:
        return None
    if not layout.pages:
        return None
    page = layout.pages[-1]
    right = sorted((s for s in page.segments if (s.x0 + s.x1) / 2 > page.width / 2), key=lambda s: s.top)
    for i, segment in enumerate(right):
        if not PREFIX.match(segment.words):
            continue
        prefixes = [segment.words]
        for following in right[i + 1:]:
            if not PREFIX.match(following.words):
                return PrintedBlock(tuple(prefixes), following.words)
            prefixes.append(following.words)
        return PrintedBlock(tuple(prefixes), "")
    return None


def same_lines(printed: tuple[str, ...], drawn: tuple[str, ...]) -> bool:
    return [fold(p).casefold() for p in printed] == [fold(d).casefold() for d in drawn]
