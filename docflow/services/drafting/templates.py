"""The Decree 30 drafting templates (.docx) a drafter downloads, filled with the ward's name and place and
the drafter's unit (docflow.convert.templates builds the page)."""

from __future__ import annotations

import re
from datetime import date

from docflow import policy
from docflow.convert.templates import KINDS, Ward, build_template
from docflow.errors import N_, NotFoundError, PermissionDeniedError
from docflow.models import User
from docflow.services.outgoing.template import header_names
from docflow.services.registers.numbers import unit_code

TEMPLATE_TYPES: tuple[str, ...] = tuple(KINDS)
_LEVEL = re.compile(r"^(?:UBND|Ủy ban nhân dân|ỦY BAN NHÂN DÂN)?\s*(?:phường|xã|thị trấn|đặc khu)\s+",
                    re.IGNORECASE)


def ward_place(organisation_name: str) -> str:
    """"UBND phường Tích Sơn" → "Tích Sơn": the place name of the date line."""
    name = " ".join(organisation_name.split())
    return _LEVEL.sub("", name) or name


def ward_of(actor: User, today: date) -> Ward:
    body, name = header_names(actor.organisation.name)
    return Ward(body=body, name=name, place=ward_place(actor.organisation.name), unit=unit_code(actor.department),
                year=today.year, body_code=actor.organisation.code)


def drafting_template(*, actor: User, doc_type: str, today: date) -> bytes:
    """The .docx template of ``doc_type`` for the actor's ward and unit, dated this year.

    Raises PermissionDeniedError (a role that does not draft) or NotFoundError (no template of that type).
    """
    if not policy.may_draft(actor):
        raise PermissionDeniedError(N_("Your role cannot draft documents."))
    if doc_type not in KINDS:
        raise NotFoundError(N_("There is no drafting template for this document type."))
    return build_template(doc_type, ward_of(actor, today))
