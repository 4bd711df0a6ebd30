"""A leader's own list of instruction phrases (ý kiến chỉ đạo he writes often), kept in his order and
offered in the direction form. Only a leader who directs keeps one, and only his own is ever read or changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from docflow import policy
from docflow.errors import N_, NotFoundError, PermissionDeniedError, ValidationError
from docflow.models import InstructionPhrase, User, utc_now

MAX_PHRASE = 500
MAX_PHRASES = 50


def _require_director(actor: User) -> None:
    if not policy.may_direct(actor):
        raise PermissionDeniedError(N_("Only a leader who directs documents keeps instruction phrases."))


def list_phrases(session: Session, *, actor: User) -> list[InstructionPhrase]:
    """``actor``'s phrases in his order (none for a user who does not direct)."""
    if not policy.may_direct(actor):
        return []
    return list(session.execute(select(InstructionPhrase).where(InstructionPhrase.user_id == actor.id)
                                .order_by(InstructionPhrase.position, InstructionPhrase.id)).scalars())


def add_phrase(session: Session, *, actor: User, text: str, now: datetime | None = None) -> InstructionPhrase:
    """Add a phrase at the end of ``actor``'s list. Raises PermissionDeniedError, ValidationError. Flushes."""
    _require_director(actor)
    text = " ".join(text.split())
    if not text:
        raise ValidationError(N_("Write the phrase."), field="text")
    if len(text) > MAX_PHRASE:
        raise ValidationError(N_("The phrase is too long (at most %(n)s characters)."), field="text", n=MAX_PHRASE)
    phrases = list_phrases(session, actor=actor)
    if any(p.text == text for p in phrases):
        raise ValidationError(N_("This phrase is in your list already."), field="text")
    if len(phrases) >= MAX_PHRASES:
        raise ValidationError(N_("Your list holds at most %(n)s phrases; remove one first."), field="text",
                              n=MAX_PHRASES)
    last = session.execute(select(func.max(InstructionPhrase.position))
                           .where(InstructionPhrase.user_id == actor.id)).scalar_one()
    phrase = InstructionPhrase(organisation_id=actor.organisation_id, user_id=actor.id, text=text,
                               position=(last or 0) + 1, created_at=now or utc_now())
    session.add(phrase)
    session.flush()
    return phrase


def _own(session: Session, actor: User, phrase_id: int) -> InstructionPhrase:
    """``actor``'s phrase ``phrase_id``; another user's is answered as one that does not exist."""
    _require_director(actor)
    phrase = session.get(InstructionPhrase, phrase_id)
    if phrase is None or phrase.user_id != actor.id or phrase.organisation_id != actor.organisation_id:
        raise NotFoundError(N_("This phrase does not exist."))
    return phrase


def remove_phrase(session: Session, *, actor: User, phrase_id: int) -> None:
    """Remove one of ``actor``'s phrases. Raises PermissionDeniedError, NotFoundError. Flushes."""
    session.delete(_own(session, actor, phrase_id))
    session.flush()


def move_phrase(session: Session, *, actor: User, phrase_id: int, up: bool) -> None:
    """Move one of ``actor``'s phrases one place up (or down) in his list. Raises PermissionDeniedError,
    NotFoundError. Flushes."""
    phrase = _own(session, actor, phrase_id)
    phrases = list_phrases(session, actor=actor)
    index = next(i for i, p in enumerate(phrases) if p.id == phrase.id)
    other = index - 1 if up else index + 1
    if 0 <= other < len(phrases):
        phrases[index], phrases[other] = phrases[other], phrases[index]
    for position, item in enumerate(phrases, start=1):
        item.position = position
    session.flush()


def with_phrase(instruction: str, phrase: str) -> str:
    """The instruction with a phrase picked from the list (without script the form sends both): the phrase
    first, then what was written, unless it was written already."""
    phrase, instruction = phrase.strip()[:MAX_PHRASE], instruction.strip()
    if not phrase or phrase in instruction:
        return instruction
    return f"{phrase}\n{instruction}" if instruction else phrase
