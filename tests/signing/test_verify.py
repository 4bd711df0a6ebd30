"""verify_pdf on documents signed with pyHanko directly."""
from __future__ import annotations

from tests.signing import attacks
from tests.testpki import pdf_with_fields, tiny_pdf
from docflow.signing.verify import TrustSettings, verify_pdf


def test_explore(test_pki):
    trust = TrustSettings(roots=(test_pki.root,))
    signed = attacks.sign(tiny_pdf(), test_pki.simple_signer("chutich"))
    i = signed.find(b"/ByteRange"); print(signed[i-300:i+120])
    r = verify_pdf(signed, trust)
    print(r)
    assert 0
