"""The registers (sổ đăng ký): their numbers, their entries on screen, and their exports on paper.

Modules: ``numbers`` (taking a register's next number, the number and symbol of a document), ``entries``
(a register's lines and how an incoming document's handling stands), ``queries`` (reading a register:
counts, pages, every entry for an export), ``columns`` (the columns of Decree 30, Annex IV), ``pdf`` (the
printable register), ``export`` (an export, audited, as CSV or PDF).
"""

# The model, as ``registers.Register`` has always resolved (tests/services/test_numbering_race.py reads it so).
from docflow.models import Register
from docflow.services.registers.columns import COLUMNS, Column, register_title
from docflow.services.registers.entries import (
    EntryFilters,
    EntryPage,
    Handler,
    Progress,
    RegisterEntry,
    build_entries,
    progress_of,
)
from docflow.services.registers.export import (
    MIMETYPES,
    ExportFormat,
    RegisterExport,
    csv_chunks,
    export_chunks,
    export_filename,
    record_export,
)
from docflow.services.registers.numbers import (
    REGISTER_NAMES,
    ensure_register,
    format_number,
    number_symbol,
    symbol_for,
    claim_number,
    take_number,
    unit_code,
)
from docflow.services.registers.pdf import pdf_bytes
from docflow.services.registers.series import (
    DEFAULT_SERIES,
    SeriesInput,
    add_series,
    deactivate_series,
    list_series,
    series_for,
)
from docflow.services.registers.queries import (
    count_entries,
    find_source_register,
    iter_entries,
    list_entries,
    list_issuing_bodies,
    register_years,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_SERIES",
    "MIMETYPES",
    "REGISTER_NAMES",
    "Column",
    "EntryFilters",
    "EntryPage",
    "ExportFormat",
    "Handler",
    "Progress",
    "Register",
    "RegisterEntry",
    "RegisterExport",
    "SeriesInput",
    "add_series",
    "deactivate_series",
    "list_series",
    "series_for",
    "build_entries",
    "count_entries",
    "csv_chunks",
    "ensure_register",
    "export_chunks",
    "export_filename",
    "find_source_register",
    "format_number",
    "iter_entries",
    "list_entries",
    "list_issuing_bodies",
    "number_symbol",
    "pdf_bytes",
    "progress_of",
    "record_export",
    "register_title",
    "register_years",
    "symbol_for",
    "claim_number",
    "take_number",
    "unit_code",
]
