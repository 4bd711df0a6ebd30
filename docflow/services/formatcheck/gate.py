"""What a personal signature on an outgoing document waits for: the Annex I format check of the current
version (blocking findings refuse it), and the signature block docflow will draw (authority prefix and post)
matching the delegation register, as must any block the page prints."""

from __future__ import annotations

from sqlalchemy.orm import Session

from docflow.errors import N_, InvalidTransitionError, PermissionDeniedError
from docflow.formatcheck.block import printed_block, same_lines
from docflow.models import Document, DocumentKind
from docflow.services import documents as doc_service
from docflow.services.formatcheck.review import require_format
from docflow.services.people.delegations import SigningAuthority
from docflow.services.signatures.appearance import appearance_for, signing_authority
from docflow.services.signatures.apply import Occasion, admit
from docflow.services.signatures.context import local_today
from docflow.signing.base import SignatureKind

RULE_BLOCK = "R25 · NĐ30 Art. 13; PL I, II.7"


class BlockMismatchError(InvalidTransitionError):
    """The signature block differs from what the delegation register gives the signer."""


def before_personal_signature(session: Session, occasion: Occasion, *, document_id: int) -> None:
    """Refuse a personal signature on an outgoing document whose current version fails the format check, or
    whose signature block would not match the delegation register. Other documents pass untouched.

    Raises PermissionDeniedError / InvalidTransitionError (the signature's own admission first),
    FormatRefusedError, BlockMismatchError. Flushes (the kept check)."""
    document = doc_service.get_document_for(session, actor=occasion.actor, document_id=document_id, lock=True)
    admit(occasion, SignatureKind.PERSONAL, document)
    if document.kind is not DocumentKind.OUTGOING or document.current_version is None:
        return
    require_format(session, store=occasion.store, document=document)
    require_matching_block(session, occasion, document)


def require_matching_block(session: Session, occasion: Occasion, document: Document) -> None:
    """The block docflow draws and any block the page prints say what the delegation register gives the
    signer that day. Raises BlockMismatchError."""
    try:
        authority = signing_authority(session, signer=occasion.actor, doc_type=document.doc_type,
                                      on=local_today(occasion.settings, occasion.now))
    except PermissionDeniedError:
        return   # not entitled at all: the signature itself refuses, with its own message
    # The whole block, top down: "TM. ỦY BAN NHÂN DÂN" over a KT. line for the chairman, the authority line,
    # the post (signing/appearance.py header_lines draws the same three).
    expected = _lines(authority.collective_line) + _lines(authority.mode_line) + (authority.post,)
    drawn = appearance_for(occasion.actor, SignatureKind.PERSONAL, store=None, document=document,
                           authority=authority)
    _compare(expected, _lines(drawn.collective_line or "") + _lines(drawn.mode_line or "") + (drawn.post,),
             authority)
    version = document.current_version
    printed = printed_block(occasion.store.read(version.sha256)) if version is not None else None
    if printed is not None:
        _compare(expected, printed.prefixes + (printed.post,), authority)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.replace(" / ", "\n").splitlines() if line.strip())


def _compare(expected: tuple[str, ...], shown: tuple[str, ...], authority: SigningAuthority) -> None:
    if not same_lines(shown, expected):
        raise BlockMismatchError(N_("The signature block reads \"%(shown)s\", but the delegation register gives "
                                    "the signer \"%(expected)s\" (%(rule)s). Correct the draft or the delegation "
                                    "before signing."),
                                 shown=" / ".join(shown), expected=" / ".join(expected), rule=RULE_BLOCK)
