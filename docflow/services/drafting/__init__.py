"""Drafting from Word: .docx / .odt uploads converted to PDF/A-2b with their source kept, and the Decree 30
drafting templates a drafter downloads."""

from docflow.services.drafting.templates import TEMPLATE_TYPES, drafting_template
from docflow.services.drafting.word import (
    is_word_upload,
    open_source,
    receive_word_upload,
    sources_of,
)

__all__ = ["TEMPLATE_TYPES", "drafting_template", "is_word_upload", "open_source", "receive_word_upload",
           "sources_of"]
