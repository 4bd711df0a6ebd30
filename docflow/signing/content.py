"""A small interpreter of a page's content stream: where its text lines sit.

Only the operators that move the text position are followed (graphics state, text matrix, leading); pypdf's
text extraction gave the same answer at ten times the cost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)"   # a string, one level of nested parentheses
    rb"|<<|>>|<[0-9A-Fa-f\s]*>|\[|\]|%[^\r\n]*"
    rb"|/[^\s/\[\]()<>{}%]*"
    rb"|[-+]?(?:\d+\.?\d*|\.\d+)"
    rb"|[A-Za-z'\"*][A-Za-z0-9*]*"
)
Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
_SHOW_TEXT = (b"Tj", b"TJ", b"'", b'"')
_NEXT_LINE = (b"T*", b"'", b'"')


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """The matrix product ``m × n`` (PDF 32000-1, 8.3.4: apply ``m`` first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _translation(tx: float, ty: float) -> Matrix:
    return (1.0, 0.0, 0.0, 1.0, tx, ty)


class _TextState:
    """The graphics and text state the positioning operators change."""

    def __init__(self) -> None:
        self.ctm: Matrix = IDENTITY
        self.saved: list[Matrix] = []
        self.tm: Matrix = IDENTITY        # the text matrix; the line matrix moves with it here
        self.leading = 0.0

    def apply(self, op: bytes, args: list[float]) -> None:
        if op == b"q":
            self.saved.append(self.ctm)
        elif op == b"Q" and self.saved:
            self.ctm = self.saved.pop()
        elif op == b"cm" and len(args) >= 6:
            self.ctm = multiply(_matrix(args), self.ctm)
        elif op == b"BT":
            self.tm = IDENTITY
        elif op == b"Tm" and len(args) >= 6:
            self.tm = _matrix(args)
        elif op in (b"Td", b"TD") and len(args) >= 2:
            if op == b"TD":
                self.leading = -args[-1]
            self.tm = multiply(_translation(args[-2], args[-1]), self.tm)
        elif op == b"TL" and args:
            self.leading = args[-1]
        elif op in _NEXT_LINE:
            self.tm = multiply(_translation(0, -self.leading), self.tm)

    def baseline(self) -> float:
        """The page-space y of the current text position."""
        return multiply(self.tm, self.ctm)[5]


def _matrix(args: list[float]) -> Matrix:
    a, b, c, d, e, f = args[-6:]
    return (a, b, c, d, e, f)


def text_baselines(content: bytes) -> Iterator[float]:
    """The page-space y of every text-showing operator in a content stream."""
    state = _TextState()
    operands: list[float] = []
    for match in _TOKEN.finditer(content):
        token = match.group()
        first = token[:1]
        if first.isdigit() or first in b"+-.":
            operands.append(float(token))
            continue
        if not first.isalpha() and first not in b"'\"*":
            continue
        op, args, operands = token, operands, []
        state.apply(op, args)
        if op in _SHOW_TEXT:
            yield state.baseline()
