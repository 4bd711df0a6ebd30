import io
from PIL import Image, ImageDraw
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from docflow.signing.base import PadesLevel, SignatureKind
from docflow.signing.sign import Appearance, SignRequest, SigningContext, SigningSession, fill_fields, ensure_fields
from docflow.signing import stamp
from tests.testpki import tiny_pdf, pdf_with_fields

def test_smoke(test_pki, tmp_path):
    vc = test_pki.validation_context()
    ctx = SigningContext(test_pki.timestamper(), vc)
    data = ensure_fields(tiny_pdf())
    s2 = SigningSession(test_pki.simple_signer("phochutich2"), ctx)
    data = s2.sign(data, SignRequest(SignatureKind.INITIAL, PadesLevel.B_B, Appearance(full_name="Lê Văn Cường")))
    s1 = SigningSession(test_pki.simple_signer("phochutich1"), ctx)
    app = Appearance(mode_line="KT. CHỦ TỊCH", post="PHÓ CHỦ TỊCH", full_name="Trần Thị Bình",
                     signature_image=stamp.demo_signature_png("Trần Thị Bình"))
    data = s1.sign(data, SignRequest(SignatureKind.PERSONAL, PadesLevel.B_T, app))
    data = fill_fields(data, {"so_ky_hieu": "Số: 07/UBND-VP", "ngay_ban_hanh": "Tích Sơn, ngày 27 tháng 11 năm 2026"})
    so = SigningSession(test_pki.simple_signer("organisation"), ctx)
    data = so.sign(data, SignRequest(SignatureKind.ORGANISATION, PadesLevel.B_LT,
                                     Appearance(seal_image=stamp.demo_seal_png("UBND phường Tích Sơn"))))
    (tmp_path / "out.pdf").write_bytes(data)
    open("/tmp/sc/out.pdf", "wb").write(data)
    r = PdfFileReader(io.BytesIO(data))
    for sig in r.embedded_signatures:
        st = validate_pdf_signature(sig, test_pki.validation_context())
        print(sig.field_name, st.intact, st.trusted, st.modification_level, st.docmdp_ok, st.timestamp_validity is not None)
