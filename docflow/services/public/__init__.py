"""Public verification (issue 15 §2): each outgoing document's public code and footer, and what the public
page /v/<code> shows about it (its legal status now, its signatures' validity, an upload checked against it)."""

from docflow.services.public.codes import document_by_code, ensure_code, find_code, normalise, public_url
from docflow.services.public.footer import add_footer_for, record_footer

__all__ = ["document_by_code", "ensure_code", "add_footer_for", "find_code", "normalise", "public_url", "record_footer"]
