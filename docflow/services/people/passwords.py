"""Which passwords docflow accepts: long enough, not on the list attackers try first, not a keyboard run or a
repeated group, and not built from the holder's username, name or the ward's name."""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

from docflow.errors import N_, ValidationError

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt"

# Words a Vietnamese ward's staff reach for that the (English-speaking) leak list ranks low or lacks:
# "password", "I love you", places, roles in docflow itself, seasons and months (with a year, a classic).
_LOCAL_WORDS = (
    "matkhau", "anhyeuem", "emyeuanh", "yeuem", "anhyeu", "khongbiet", "xinchao", "vietnam", "hanoi", "saigon",
    "hochiminh", "danang", "haiphong", "bacninh", "tuson", "ubnd", "uybannhandan", "congchuc", "vanthu",
    "chutich", "phochutich", "chuyenvien", "quantri", "thanhtra", "docflow", "admin", "administrator",
    "spring", "summer", "autumn", "winter", "muaxuan", "muaha", "muathu", "muadong", "xuan", "tet",
    "january", "february", "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "thangmot", "thanghai", "thangba", "thangtu", "thangnam", "thangsau", "thangbay", "thangtam",
    "thangchin", "thangmuoi",
)

# Rows and columns of a keyboard, and the alphabet and digits in order; runs along them are guessed early.
_SEQUENCES = (
    "`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./", "abcdefghijklmnopqrstuvwxyz",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", "qazwsxedcrfvtgbyhnujmikolp", "0123456789",
)
_SHORTEST_RUN = 4
_FEWEST_LETTERS = 4
# Letters and digits a guesser swaps for each other ("p@ssw0rd" is "password").
_UNLEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s",
                         "7": "t", "+": "t", "8": "b", "9": "g"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SEPARATORS = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Lower case, without Vietnamese diacritics (đ becomes d): how people type their name in a password."""
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled leak list (docflow/data/common-passwords.txt) and the local words above."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#")) | frozenset(_LOCAL_WORDS)


def check_password(password: str, *, username: str = "", full_name: str = "", organisation_name: str = "") -> None:
    """Refuse a password a guesser would try early. Raises ValidationError (field "password") naming the rule."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(N_("The password must have at least %(n)s characters."),
                              field="password", n=MIN_PASSWORD_LENGTH)
    folded = fold(password)
    letters = "".join(c for c in folded if c.isalnum())
    if sum(c.isalpha() for c in folded) < _FEWEST_LETTERS:
        raise ValidationError(N_("The password must have at least %(n)s letters: dates and phone numbers, even "
                                 "with symbols added, are guessed early."), field="password", n=_FEWEST_LETTERS)
    if _is_repeated_group(folded):
        raise ValidationError(N_("The password must not be one character or a short group repeated."),
                              field="password")
    if _mostly_runs(folded):
        raise ValidationError(N_("The password must not be a run of keys or a sequence such as qwerty, abcdef or "
                                 "123456."), field="password")
    if _is_common(folded):
        raise ValidationError(N_("This password is too common: it, or it with digits or symbols added, is among "
                                 "the first that attackers try."), field="password")
    if len(username.strip()) >= 3 and fold(username.strip()) in folded:
        raise ValidationError(N_("The password must not contain your username."), field="password")
    if _contains_name(letters, full_name):
        raise ValidationError(N_("The password must not contain your name."), field="password")
    if _contains_organisation(letters, organisation_name):
        raise ValidationError(N_("The password must not contain the name of the ward."), field="password")


def _is_repeated_group(folded: str) -> bool:
    return any(folded == (folded[:size] * len(folded))[:len(folded)] for size in range(1, 5))


def _mostly_runs(folded: str) -> bool:
    """True when, once every run of 4 or more along a keyboard row or sequence is taken out, fewer than 4
    characters are left ("qwertyuiop12", "asdf1234qwer")."""
    covered = [False] * len(folded)
    for sequence in _SEQUENCES:
        for line in (sequence, sequence[::-1]):
            for start in range(len(folded)):
                end = start
                while end + 1 < len(folded) and _follows(line, folded[end], folded[end + 1]):
                    end += 1
                if end - start + 1 >= _SHORTEST_RUN:
                    covered[start:end + 1] = [True] * (end - start + 1)
    return covered.count(False) < _SHORTEST_RUN


def _follows(line: str, a: str, b: str) -> bool:
    index = line.find(a)
    return index >= 0 and index + 1 < len(line) and line[index + 1] == b


def _is_common(folded: str) -> bool:
    listed = common_passwords()
    base = _EDGES.sub("", folded)
    candidates = {folded, folded.translate(_UNLEET), base, _EDGES.sub("", folded.translate(_UNLEET)),
                  base.translate(_UNLEET), _SEPARATORS.sub("", base)}
    return any(c in listed for c in candidates if c)


def _contains_name(letters: str, full_name: str) -> bool:
    # The whole name run together, or any part of at least five letters ("nguyen", "huong"): shorter given
    # names (An, Hoa, Lan) occur inside too many ordinary words to refuse on.
    words = [fold(w) for w in full_name.split()]
    joined = "".join(words)
    return (len(joined) >= 5 and joined in letters) or any(len(w) >= 5 and w in letters for w in words)


def _contains_organisation(letters: str, organisation_name: str) -> bool:
    # The ward's full name ("phuongtichson", "ubndphuongtichson"). The place name alone is not refused: the
    # demo ward's documented password is TichSon@2026 and must keep working.
    words = [fold(w) for w in organisation_name.split()]
    names = {"".join(words), "".join(words[1:])}
    return any(len(n) >= 8 and n in letters for n in names)
