"""The ward's records (hồ sơ, Decree 30, Chapter IV; rules R46–R48, R57): the yearly file plan, files opened,
filled and closed, their cover and table of contents, their metadata, and retention (appraisal and the
chairman's destruction decisions).

- ``plan``: the plan, its headings and file entries, approval, ``copy_plan``;
- ``files``: open, add a document (home or reference), remove, move the home, close, reopen;
- ``contents`` and ``printing``: a file's rows, cover and table of contents, on screen and as PDF;
- ``metadata``: ``record_metadata`` and ``document_metadata`` with R57's field names;
- ``retention``: the appraisal list and the destruction decisions;
- ``transfer``: the archive transfer package of a closed year (``docflow.auditlog.transferpack`` verifies it).
"""

from docflow.services.records.common import PERMANENT_VI, get_file, retention_label
from docflow.services.records.contents import (
    CONTENTS_HEADINGS,
    STATUS_VI,
    Cover,
    DocumentPanel,
    FileRow,
    cover,
    document_panel,
    file_page,
    file_rows,
)
from docflow.services.records.files import (
    add_document,
    close_file,
    document_day,
    home_of,
    make_home,
    open_file,
    remove_document,
    reopen_file,
)
from docflow.services.records.listing import PlanFile, PlanSection, PlanView, handler_choices, plan_json, plan_view
from docflow.services.records.metadata import Ward, document_metadata, file_documents_metadata, record_metadata
from docflow.services.records.plan import (
    EntryInput,
    add_file_entry,
    add_heading,
    approve_plan,
    copy_plan,
    edit_file_entry,
    ensure_plan,
)
from docflow.services.records.printing import contents_pdf, cover_pdf
from docflow.services.records.retention import (
    DecisionInput,
    DueFile,
    appraisal_list,
    decisions,
    destroy_files,
    due_for_appraisal,
    retention_ends,
)
from docflow.services.records.transfer import TransferPackage, build_transfer, list_transfers

__all__ = [
    "CONTENTS_HEADINGS", "Cover", "DecisionInput", "DocumentPanel", "DueFile", "EntryInput", "FileRow",
    "PERMANENT_VI", "PlanFile", "PlanSection", "PlanView", "STATUS_VI", "TransferPackage", "Ward", "add_document",
    "add_file_entry", "add_heading", "appraisal_list", "approve_plan", "build_transfer", "close_file",
    "contents_pdf", "copy_plan", "cover", "cover_pdf", "decisions", "destroy_files", "document_day",
    "document_metadata", "document_panel", "due_for_appraisal", "edit_file_entry", "ensure_plan",
    "file_documents_metadata", "file_page", "file_rows", "get_file", "handler_choices", "home_of", "list_transfers",
    "make_home", "open_file", "plan_json", "plan_view", "record_metadata", "remove_document", "reopen_file",
    "retention_ends", "retention_label",
]
