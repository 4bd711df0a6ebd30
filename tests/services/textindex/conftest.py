"""Fixtures of the text index's tests: real text and image-only PDFs, and the OCR settings of the tests."""

from __future__ import annotations

from contextlib import nullcontext

import pytest

from docflow.config import OcrSettings
from tests.ocrpdfs import SENTENCE, image_pdf, text_pdf

PAGES = [f"{SENTENCE} tại tổ dân phố số {n}. Ủy ban nhân dân phường giao bộ phận địa chính thực hiện."
         for n in (1, 2, 3)]


@pytest.fixture(scope="session")
def text_content() -> bytes:
    return text_pdf(PAGES)


@pytest.fixture(scope="session")
def scanned_content() -> bytes:
    return image_pdf([SENTENCE])


@pytest.fixture
def ocr_settings() -> OcrSettings:
    return OcrSettings(timeout_seconds=60, max_attempts=2, stale_minutes=15)


@pytest.fixture
def in_test_transaction(db_session):
    """The worker's ``transaction`` inside the test's rolled-back one: it commits nothing."""
    return lambda: nullcontext(db_session)
