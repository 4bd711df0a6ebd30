"""Drafting from Word: a .docx / .odt checked from its structure, converted to PDF/A-2b by headless
LibreOffice, the places of Decree 30's number, date and signature fields found on the converted page, and
the Decree 30 drafting templates. Bytes in, bytes or values out: no database, no Flask."""

from docflow.convert.office import MEDIA_TYPES, SourceKind, SourceLimits, inspect_source
from docflow.convert.soffice import (
    ConverterMissingError,
    Converted,
    ConvertSettings,
    convert_to_pdfa,
    pdfa_identification,
    soffice_available,
)

__all__ = [
    "MEDIA_TYPES", "ConvertSettings", "Converted", "ConverterMissingError", "SourceKind", "SourceLimits",
    "convert_to_pdfa", "inspect_source", "pdfa_identification", "soffice_available",
]
