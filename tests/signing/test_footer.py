"""The public verification footer drawn into a PDF (issue 15 §2): an incremental update that keeps every
earlier byte, found again with its code and URL, its QR code the QR of that URL; the signatures made after
it are valid and cover it; drawn after a signature it would break that signature (which is why docflow draws
it before the first one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from docflow.errors import UnreadablePdfError
from docflow.signing.footer import add_footer, grouped, qr_ops, read_footers
from docflow.signing.trust import TrustSettings
from docflow.signing.verify import Verdict, verify_pdf
from tests.signing import attacks
from tests.testpki import tiny_pdf

CODE = "7KQ2M9XD4TPAW3HZ"
URL = f"https://xa.example.vn/v/{CODE}"


@pytest.fixture(scope="module")
def trust(test_pki) -> TrustSettings:
    return TrustSettings(roots=(test_pki.root,))


def test_the_footer_is_an_incremental_update_that_carries_its_code_url_and_qr():
    original = tiny_pdf()

    footed = add_footer(original, url=URL, code=CODE)

    assert footed.startswith(original) and len(footed) > len(original)
    assert [(m.code, m.url, m.qr_matches) for m in read_footers(footed)] == [(CODE, URL, True)]
    assert read_footers(original) == []
    assert grouped(CODE) == "7KQ2-M9XD-4TPA-W3HZ"
    assert qr_ops(URL) != qr_ops(URL.replace(CODE, "0" * 16))


def test_signatures_after_the_footer_are_valid_and_cover_it(test_pki, trust):
    footed = add_footer(tiny_pdf(), url=URL, code=CODE)

    signed = attacks.sign(footed, test_pki.simple_signer("chutich"))
    result = verify_pdf(signed, trust, now=datetime.now(UTC))

    assert result.verdict is Verdict.VALID, result.errors
    # the footer's revision is inside what the signature covers: the signed file begins with it
    assert signed.startswith(footed) and read_footers(signed)[0].code == CODE


def test_a_footer_drawn_after_a_signature_breaks_it(test_pki, trust):
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))

    footed = add_footer(signed, url=URL, code=CODE)

    assert verify_pdf(footed, trust, now=datetime.now(UTC)).verdict is not Verdict.VALID


def test_a_file_that_is_no_pdf_is_refused_clearly():
    with pytest.raises(UnreadablePdfError):
        add_footer(b"not a pdf", url=URL, code=CODE)
    with pytest.raises(UnreadablePdfError):
        read_footers(b"%PDF-1.7 broken")
