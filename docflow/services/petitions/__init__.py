"""Citizens' petitions and feedback (issue 15 §3): ``registration`` (the public form and the clerk's form,
receipt codes), ``routing`` (assigning, reading, the handler's list), ``answers`` (by text or by a signed
document), ``issued`` (what issuing the answer or the apology does), ``apology`` (R68: the letter before
lateness), ``tracking`` (the citizen's page and rating), ``figures`` (on-time and satisfaction shares)."""

from docflow.services.petitions.answers import answer_with_text, close_petition, draft_answer
from docflow.services.petitions.apology import (
    apologies_of,
    draft_apology,
    is_due_apology,
    petitions_due_apology,
    remind_apologies,
)
from docflow.services.petitions.figures import PetitionFigures, petition_figures
from docflow.services.petitions.issued import document_issued
from docflow.services.petitions.registration import (
    PetitionInput,
    new_receipt_code,
    normalise_code,
    normalise_phone,
    register_petition,
)
from docflow.services.petitions.routing import assign_petition, get_petition, list_petitions, route_choices
from docflow.services.petitions.tracking import NO_MATCH, PublicPetition, find_tracked, rate_answer, track

__all__ = [
    "NO_MATCH", "PetitionFigures", "apologies_of", "route_choices", "PetitionInput", "PublicPetition", "answer_with_text", "assign_petition",
    "close_petition", "document_issued", "draft_answer", "draft_apology", "find_tracked", "get_petition",
    "is_due_apology", "list_petitions", "new_receipt_code", "normalise_code", "normalise_phone", "petition_figures",
    "petitions_due_apology", "rate_answer", "register_petition", "remind_apologies", "track",
]
