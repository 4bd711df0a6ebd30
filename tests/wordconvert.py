"""LibreOffice for the drafting-from-Word tests: each Decree 30 template built and converted once per
session (a soffice run costs about a second here), shared by the converter, placement and service tests.
Tests that need soffice are skipped, saying why, only when it is not installed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from docflow.config import ConvertSettings
from docflow.convert import Converted, SourceKind, convert_to_pdfa, soffice_available
from docflow.convert.templates import KINDS, Ward, build_template

SOFFICE = ConvertSettings().soffice_path
needs_soffice = pytest.mark.skipif(not soffice_available(SOFFICE),
                                   reason=f"LibreOffice (soffice) is not installed at {SOFFICE}: "
                                          "apt-get install libreoffice-writer-nogui fonts-liberation2")
# The ward of the tests' organisation ("UBND phường Thử Nghiệm"), drafting unit Văn phòng.
TEST_WARD = Ward(body="ỦY BAN NHÂN DÂN", name="PHƯỜNG THỬ NGHIỆM", place="Thử Nghiệm", unit="VP", year=2026)


@dataclass(frozen=True)
class ConvertedTemplate:
    code: str
    docx: bytes
    converted: Converted


@pytest.fixture(scope="session")
def converted_templates() -> dict[str, ConvertedTemplate]:
    """Every template of docflow.convert.templates, as .docx and converted to PDF/A-2b (one soffice run each)."""
    if not soffice_available(SOFFICE):
        pytest.skip(f"LibreOffice (soffice) is not installed at {SOFFICE}")
    result = {}
    started = time.monotonic()
    for code in KINDS:
        docx = build_template(code, TEST_WARD)
        result[code] = ConvertedTemplate(code, docx, convert_to_pdfa(docx, SourceKind.DOCX))
    print(f"\nconverted {len(result)} templates in {time.monotonic() - started:.2f} s: "
          + ", ".join(f"{c} {t.converted.seconds:.2f} s" for c, t in result.items()))
    return result


def fake_soffice(tmp_path: Path, body: str) -> Path:
    """An executable standing in for soffice (for the failure paths: no LibreOffice run needed)."""
    script = tmp_path / "soffice"
    script.write_text("#!/bin/sh\n" + body + "\n")
    script.chmod(0o755)
    return script
