"""Documents: upload with metadata, new versions, metadata edits, confidentiality lowering, opening a
version, and lists.

uploads.py (a new document from a PDF), lookup.py (one document, access checked), versions.py (new
versions, opening one), metadata.py (edits and the lowering of confidentiality), grants.py (access beyond
the department), listing.py (filtered, bounded pages).
"""

from docflow.services.documents.grants import ensure_grant, other_leaders
from docflow.services.documents.listing import (
    COUNT_LIMIT,
    SORTS,
    DocumentFilters,
    Page,
    filter_conditions,
    list_documents,
)
from docflow.services.documents.lookup import get_document, get_document_for
from docflow.services.documents.metadata import EDITABLE_FIELDS, REDACTED_FIELDS, apply_lowering, edit_metadata
from docflow.services.documents.uploads import (
    INCOMING_ONLY_BY_REGISTRATION,
    INITIAL_STATUS,
    MAX_FILENAME,
    DocumentInput,
    StoredPdf,
    StoredSource,
    UploadedFile,
    create_document,
    parse_limits,
    receive_upload,
    upload_document,
    validate_input,
)
from docflow.services.documents.versions import (
    FINAL_STATUSES,
    add_version,
    check_can_add_version,
    open_version,
    version_of,
)

__all__ = [
    "COUNT_LIMIT", "EDITABLE_FIELDS", "INCOMING_ONLY_BY_REGISTRATION", "FINAL_STATUSES", "INITIAL_STATUS", "MAX_FILENAME", "REDACTED_FIELDS",
    "SORTS", "DocumentFilters", "DocumentInput", "Page", "StoredPdf", "StoredSource", "UploadedFile", "add_version",
    "apply_lowering", "check_can_add_version", "create_document", "edit_metadata", "ensure_grant", "get_document",
    "get_document_for", "list_documents", "open_version", "other_leaders", "parse_limits", "receive_upload",
    "upload_document", "validate_input", "version_of",
    "filter_conditions",
]
