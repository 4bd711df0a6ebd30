from tests.signing.test_sign import decree30_chain, context
from docflow.signing.sign import sign_pdf, SignRequest, Appearance
from docflow.signing.base import SignatureKind, PadesLevel
from tests.testpki import tiny_pdf
def test_view(test_pki):
    st = decree30_chain(test_pki)
    open("/tmp/sc/chain.pdf","wb").write(st["organisation"])
    d = sign_pdf(st["organisation"], test_pki.simple_signer("organisation"), SignRequest(SignatureKind.ORGANISATION_TEXT, PadesLevel.B_T, Appearance(full_name="UBND phường Tích Sơn", number_symbol="Số: 07/UBND-VP")), context(test_pki))
    open("/tmp/sc/text.pdf","wb").write(d)
