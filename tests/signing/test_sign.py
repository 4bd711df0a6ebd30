"""PAdES signing and the Decree 30 chain, validated with pyHanko (and poppler's pdfsig) against the live
test PKI: its TSA, CRLs and OCSP responder answer over HTTP."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.validation import PdfSignatureStatus, validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

from docflow.errors import SigningError, UnreadablePdfError
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, PadesLevel, SignatureKind
from docflow.signing.sign import (
    Appearance,
    SignRequest,
    SigningContext,
    SigningSession,
    add_document_timestamp,
    ensure_fields,
    fill_fields,
    sign_pdf,
)
from docflow.signing.stamp import FontFace, FontLibrary, personal_image_rect, Rect, demo_seal_png
from tests.testpki import ORGANISATION, SIGNATURE_FIELD, LivePKI, PdfSig, pdf_with_fields, tiny_pdf
from tests.signing.test_stamp import blue_signature_png, red_seal_png

NUMBER = "Số: 07/UBND-VP"
DATE = "Tích Sơn, ngày 27 tháng 11 năm 2026"


def context(pki: LivePKI) -> SigningContext:
    return SigningContext(timestamper=pki.timestamper(), validation_context=pki.validation_context())


def personal_appearance(name: str = "Trần Thị Bình") -> Appearance:
    return Appearance(mode_line="KT. CHỦ TỊCH", post="PHÓ CHỦ TỊCH", full_name=name,
                      signature_image=blue_signature_png())


def decree30_chain(pki: LivePKI) -> dict[str, bytes]:
    """Every stage of the chain on one PDF: initial, personal, number and date, organisation."""
    ctx = context(pki)
    stages = {"fields": ensure_fields(tiny_pdf())}
    stages["initial"] = sign_pdf(stages["fields"], pki.simple_signer("phochutich2"),
                                 SignRequest(SignatureKind.INITIAL, PadesLevel.B_B,
                                             Appearance(full_name="Lê Văn Cường")), ctx)
    stages["personal"] = sign_pdf(stages["initial"], pki.simple_signer("phochutich1"),
                                  SignRequest(SignatureKind.PERSONAL, PadesLevel.B_T, personal_appearance(),
                                              reason="Phê duyệt"), ctx)
    stages["filled"] = fill_fields(stages["personal"], {NUMBER_FIELD: NUMBER, DATE_FIELD: DATE})
    stages["organisation"] = sign_pdf(stages["filled"], pki.simple_signer("organisation"),
                                      SignRequest(SignatureKind.ORGANISATION, PadesLevel.B_LT,
                                                  Appearance(full_name=ORGANISATION,
                                                             seal_image=red_seal_png())), ctx)
    return stages


@pytest.fixture(scope="module")
def chain(test_pki: LivePKI) -> dict[str, bytes]:
    return decree30_chain(test_pki)


def statuses(data: bytes, pki: LivePKI) -> dict[str, PdfSignatureStatus]:
    reader = PdfFileReader(io.BytesIO(data))
    vc = pki.validation_context()
    return {sig.field_name: validate_pdf_signature(sig, vc, vc) for sig in reader.embedded_signatures
            if sig.sig_object_type == "/Sig"}  # document timestamps are validated differently


def field_dict(data: bytes, name: str) -> generic.DictionaryObject:
    reader = PdfFileReader(io.BytesIO(data))
    for field_name, _, ref in fields.enumerate_sig_fields(reader):
        if field_name == name:
            return ref.get_object()
    raise AssertionError(f"no signature field {name}")


def widget_rect(data: bytes, name: str) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in field_dict(data, name)["/Rect"])
    return Rect(x0, y0, x1, y1)


# --- levels -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key_name", ["chutich", "phochutich1"])  # RSA 2048, ECDSA P-256
@pytest.mark.parametrize("level", list(PadesLevel))
def test_each_pades_level_validates_with_what_the_level_promises(test_pki: LivePKI, level: PadesLevel,
                                                                  key_name: str) -> None:
    data = sign_pdf(tiny_pdf(), test_pki.simple_signer(key_name),
                    SignRequest(SignatureKind.PERSONAL, level, personal_appearance("Nguyễn Văn An")),
                    context(test_pki))

    reader = PdfFileReader(io.BytesIO(data))
    status = statuses(data, test_pki)["personal_1"]
    assert status.intact and status.valid and status.trusted
    assert reader.embedded_signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert (status.timestamp_validity is not None) == (level is not PadesLevel.B_B)
    if status.timestamp_validity is not None:
        assert status.timestamp_validity.intact and status.timestamp_validity.trusted
    has_dss = "/DSS" in reader.root
    assert has_dss == (level in (PadesLevel.B_LT, PadesLevel.B_LTA))
    assert bool(reader.embedded_timestamp_signatures) == (level is PadesLevel.B_LTA)
    assert status.modification_level in (ModificationLevel.NONE, ModificationLevel.LTA_UPDATES)


def test_b_lt_validates_offline_from_the_embedded_revocation_data_alone(test_pki: LivePKI) -> None:
    data = sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.PERSONAL, PadesLevel.B_LT, personal_appearance()),
                    context(test_pki))
    reader = PdfFileReader(io.BytesIO(data))
    dss = DocumentSecurityStore.read_dss(reader)
    offline = dss.as_validation_context({"trust_roots": [test_pki.root], "allow_fetching": False,
                                         "revocation_mode": "hard-fail"})

    status = validate_pdf_signature(reader.embedded_signatures[0], offline, offline)

    assert status.intact and status.trusted
    assert len(dss.crls) + len(dss.ocsps) > 0


def test_b_lt_is_a_single_incremental_update(test_pki: LivePKI) -> None:
    original = tiny_pdf()
    data = sign_pdf(original, test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.INITIAL, PadesLevel.B_LT), context(test_pki))

    assert data.startswith(original)
    assert PdfFileReader(io.BytesIO(data)).xrefs.total_revisions == 2


def test_a_document_timestamp_added_later_keeps_the_signature_valid(test_pki: LivePKI) -> None:
    signed = sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"),
                      SignRequest(SignatureKind.PERSONAL, PadesLevel.B_LT, personal_appearance()),
                      context(test_pki))

    archived = add_document_timestamp(signed, context(test_pki))

    reader = PdfFileReader(io.BytesIO(archived))
    assert archived.startswith(signed)
    assert len(reader.embedded_timestamp_signatures) == 1
    status = statuses(archived, test_pki)["personal_1"]
    assert status.intact and status.trusted and status.docmdp_ok
    assert status.modification_level is ModificationLevel.LTA_UPDATES


# --- the Decree 30 chain ------------------------------------------------------------------------------

def test_every_step_of_the_chain_is_an_incremental_update(chain: dict[str, bytes]) -> None:
    order = ["fields", "initial", "personal", "filled", "organisation"]
    for before, after in zip(order, order[1:]):
        assert chain[after].startswith(chain[before]), after


def test_the_whole_chain_validates_and_each_signature_sees_only_allowed_changes(
        chain: dict[str, bytes], test_pki: LivePKI) -> None:
    result = statuses(chain["organisation"], test_pki)

    assert list(result) == ["initial_1", "personal_1", "organisation"]
    for name, status in result.items():
        assert status.intact and status.valid and status.trusted, name
        assert status.docmdp_ok, name
    assert result["initial_1"].modification_level is ModificationLevel.FORM_FILLING
    assert result["personal_1"].modification_level is ModificationLevel.FORM_FILLING
    assert result["organisation"].modification_level is ModificationLevel.NONE
    assert result["initial_1"].timestamp_validity is None
    assert result["personal_1"].timestamp_validity is not None
    assert result["organisation"].timestamp_validity is not None
    assert "/DSS" in PdfFileReader(io.BytesIO(chain["organisation"])).root


def test_filling_number_and_date_after_the_personal_signature_is_form_filling(
        chain: dict[str, bytes], test_pki: LivePKI) -> None:
    status = statuses(chain["filled"], test_pki)["personal_1"]
    reader = PdfFileReader(io.BytesIO(chain["filled"]))
    values = {f["/T"]: f["/V"] for f in (r.get_object() for r in reader.root["/AcroForm"]["/Fields"])
              if f.get("/FT") == "/Tx"}

    assert status.intact and status.trusted and status.docmdp_ok
    assert status.modification_level is ModificationLevel.FORM_FILLING
    assert values == {NUMBER_FIELD: NUMBER, DATE_FIELD: DATE}


def test_the_organisation_signature_carries_a_full_lock_with_no_changes_allowed(chain: dict[str, bytes]) -> None:
    lock = field_dict(chain["organisation"], "organisation")["/Lock"]
    reader = PdfFileReader(io.BytesIO(chain["organisation"]))
    org = reader.embedded_signatures[-1]

    assert lock["/Action"] == "/All" and lock["/P"] == 1
    assert org.docmdp_level is fields.MDPPerm.NO_CHANGES
    assert org.fieldmdp is not None and org.fieldmdp.action is fields.FieldMDPAction.ALL
    assert "/Perms" not in reader.root  # an approval signature, not a certification


def test_pyhanko_refuses_a_certification_signature_after_approval_signatures(
        chain: dict[str, bytes], test_pki: LivePKI) -> None:
    # why the organisation lock is a lock dictionary: if this starts passing, DocMDP certification
    # becomes an option (see the module docstring of docflow.signing.sign)
    meta = signers.PdfSignatureMetadata(field_name="certify", certify=True,
                                        docmdp_permissions=fields.MDPPerm.NO_CHANGES)
    with pytest.raises(PyHankoSigningError, match="Certification signatures must be the first"):
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(chain["filled"])), meta,
                         signer=test_pki.simple_signer("organisation"))


def test_filling_fields_after_the_organisation_signature_violates_its_lock(
        chain: dict[str, bytes], test_pki: LivePKI) -> None:
    tampered = fill_fields(chain["organisation"], {NUMBER_FIELD: "Số: 08/UBND-VP"})

    result = statuses(tampered, test_pki)

    org = result["organisation"]
    assert org.intact and org.trusted  # the bytes it signed are untouched ...
    assert not org.docmdp_ok           # ... but the change after it is forbidden
    assert org.modification_level is ModificationLevel.OTHER
    assert not org.bottom_line


def test_signing_after_the_organisation_signature_violates_its_lock(
        chain: dict[str, bytes], test_pki: LivePKI) -> None:
    extra = sign_pdf(chain["organisation"], test_pki.simple_signer("chutich"),
                     SignRequest(SignatureKind.INITIAL, PadesLevel.B_B), context(test_pki))

    result = statuses(extra, test_pki)

    assert result["initial_2"].intact and result["initial_2"].trusted
    assert result["organisation"].intact
    assert not result["organisation"].docmdp_ok
    level = result["organisation"].modification_level
    assert level is not None and level.value > fields.MDPPerm.NO_CHANGES.value


def test_an_archive_timestamp_after_the_lock_keeps_every_signature_valid(
        chain: dict[str, bytes], test_pki: LivePKI) -> None:
    # the locked number and date fields keep their appearances across later revisions (see fill_fields)
    archived = add_document_timestamp(chain["organisation"], context(test_pki))

    result = statuses(archived, test_pki)

    assert all(s.intact and s.trusted and s.docmdp_ok for s in result.values())
    assert result["organisation"].modification_level is ModificationLevel.LTA_UPDATES


def test_the_seal_fills_number_and_date_in_its_own_revision(chain: dict[str, bytes], test_pki: LivePKI) -> None:
    # what issuing does: the values, their appearances and the seal in one incremental update
    sealed = sign_pdf(chain["personal"], test_pki.simple_signer("organisation"),
                      SignRequest(SignatureKind.ORGANISATION, PadesLevel.B_LT,
                                  Appearance(full_name=ORGANISATION, seal_image=red_seal_png()),
                                  fill={NUMBER_FIELD: NUMBER, DATE_FIELD: DATE, "no_such_field": "x"}),
                      context(test_pki))
    archived = add_document_timestamp(sealed, context(test_pki))

    for data in (sealed, archived):
        result = statuses(data, test_pki)
        assert all(s.intact and s.trusted and s.docmdp_ok for s in result.values())
        assert result["personal_1"].modification_level is ModificationLevel.FORM_FILLING
    reader = PdfFileReader(io.BytesIO(sealed))
    values = {str(f.get_object()["/T"]): str(f.get_object().get("/V")) for f in reader.root["/AcroForm"]["/Fields"]}
    assert values[NUMBER_FIELD] == NUMBER and values[DATE_FIELD] == DATE
    # one revision fewer than fill_fields followed by the seal
    two_step = PdfFileReader(io.BytesIO(chain["organisation"])).xrefs.total_revisions
    assert reader.xrefs.total_revisions == two_step - 1


def test_an_organisation_signature_at_b_lta_is_locked_and_archived(
        chain: dict[str, bytes], test_pki: LivePKI) -> None:
    data = sign_pdf(chain["filled"], test_pki.simple_signer("organisation"),
                    SignRequest(SignatureKind.ORGANISATION, PadesLevel.B_LTA,
                                Appearance(seal_image=red_seal_png())), context(test_pki))

    result = statuses(data, test_pki)

    assert len(PdfFileReader(io.BytesIO(data)).embedded_timestamp_signatures) == 1
    assert result["organisation"].docmdp_ok and result["organisation"].trusted
    assert result["organisation"].modification_level is ModificationLevel.LTA_UPDATES


def test_pdfsig_reports_every_signature_of_the_chain_valid(chain: dict[str, bytes], pdfsig: PdfSig,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "chain.pdf"
    path.write_bytes(chain["organisation"])

    output = pdfsig(path).stdout

    assert output.count("Signature Validation: Signature is Valid.") == 3
    assert "Signature #3:" in output and "Signature #4:" not in output


def test_the_seal_covers_the_left_third_of_the_personal_signature_image(chain: dict[str, bytes]) -> None:
    image = personal_image_rect(widget_rect(chain["organisation"], "personal_1"))
    seal = widget_rect(chain["organisation"], "organisation")

    assert seal.x1 == pytest.approx(image.x0 + image.width / 3, abs=1)
    assert seal.x0 < image.x0
    assert seal.y0 < (image.y0 + image.y1) / 2 < seal.y1


def test_the_organisation_signature_needs_a_visible_personal_signature(test_pki: LivePKI) -> None:
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(tiny_pdf(), test_pki.simple_signer("organisation"),
                 SignRequest(SignatureKind.ORGANISATION, PadesLevel.B_B,
                             Appearance(seal_image=red_seal_png())), context(test_pki))
    assert "personal signature" in excinfo.value.message


def test_the_text_only_organisation_signature_locks_an_attachment(test_pki: LivePKI) -> None:
    data = sign_pdf(tiny_pdf(), test_pki.simple_signer("organisation"),
                    SignRequest(SignatureKind.ORGANISATION_TEXT, PadesLevel.B_T,
                                Appearance(full_name=ORGANISATION, number_symbol=NUMBER)), context(test_pki))
    rect = widget_rect(data, "organisation_text")

    assert statuses(data, test_pki)["organisation_text"].trusted
    assert field_dict(data, "organisation_text")["/Lock"]["/P"] == 1
    assert rect.x0 > 595 / 2 and rect.y1 > 800  # top right of page 1


def test_initials_are_small_or_invisible(test_pki: LivePKI) -> None:
    key = test_pki.simple_signer("phochutich2")
    visible = sign_pdf(tiny_pdf(), key, SignRequest(SignatureKind.INITIAL, PadesLevel.B_B,
                                                    Appearance(full_name="Lê Văn Cường")), context(test_pki))
    invisible = sign_pdf(tiny_pdf(), key, SignRequest(SignatureKind.INITIAL, PadesLevel.B_B),
                         context(test_pki))

    rect = widget_rect(visible, "initial_1")
    assert (rect.width, rect.height) == (60, 20)
    x0, y0, x1, y1 = (float(v) for v in field_dict(invisible, "initial_1").get("/Rect", [0, 0, 0, 0]))
    assert x1 - x0 == 0 and y1 - y0 == 0


def test_a_signed_field_cannot_be_signed_again(test_pki: LivePKI) -> None:
    request = SignRequest(SignatureKind.INITIAL, PadesLevel.B_B, field_name="review")
    once = sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"), request, context(test_pki))

    with pytest.raises(SigningError) as excinfo:
        sign_pdf(once, test_pki.simple_signer("chutich"), request, context(test_pki))
    assert excinfo.value.params == {"field": "review"}


def test_a_template_s_empty_signature_field_is_used_when_named(test_pki: LivePKI) -> None:
    data = sign_pdf(pdf_with_fields(), test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.INITIAL, PadesLevel.B_B, field_name=SIGNATURE_FIELD),
                    context(test_pki))

    assert statuses(data, test_pki)[SIGNATURE_FIELD].intact
    assert widget_rect(data, SIGNATURE_FIELD) == Rect(330, 120, 540, 220)


def test_a_template_s_empty_field_cannot_carry_the_organisation_lock(test_pki: LivePKI) -> None:
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(pdf_with_fields(), test_pki.simple_signer("organisation"),
                 SignRequest(SignatureKind.ORGANISATION_TEXT, PadesLevel.B_B,
                             Appearance(number_symbol=NUMBER), field_name=SIGNATURE_FIELD), context(test_pki))
    assert excinfo.value.params == {"field": SIGNATURE_FIELD}


def test_an_explicit_box_and_field_name_are_used(test_pki: LivePKI) -> None:
    appearance = Appearance(post="CHỦ TỊCH", mode_line="TM. ỦY BAN NHÂN DÂN", full_name="Nguyễn Văn An",
                            box=(300, 100, 540, 220))
    data = sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"),
                    SignRequest(SignatureKind.PERSONAL, PadesLevel.B_B, appearance, field_name="chu_tich"),
                    context(test_pki))

    assert widget_rect(data, "chu_tich") == Rect(300, 100, 540, 220)


def test_the_personal_signature_goes_right_below_the_text_of_the_last_page(chain: dict[str, bytes]) -> None:
    data = chain["personal"]
    rect = widget_rect(data, "personal_1")
    lowest_field = min(widget_rect_of_text_field(data, name).y0 for name in (NUMBER_FIELD, DATE_FIELD))

    # below tiny_pdf's text and the number/date fields, not pushed down by the initials in the margin
    assert lowest_field - 40 < rect.y1 < lowest_field
    assert rect.x0 >= 595 / 2 - 20  # the right half


def widget_rect_of_text_field(data: bytes, name: str) -> Rect:
    reader = PdfFileReader(io.BytesIO(data))
    for ref in reader.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if obj["/T"] == name:
            return Rect(*(float(v) for v in obj["/Rect"]))
    raise AssertionError(name)


# --- fields ---------------------------------------------------------------------------------------------

def test_ensure_fields_adds_number_and_date_fields_to_page_one_once() -> None:
    original = tiny_pdf()
    once = ensure_fields(original)
    twice = ensure_fields(once)

    assert once.startswith(original) and twice == once
    number = widget_rect_of_text_field(once, NUMBER_FIELD)
    date = widget_rect_of_text_field(once, DATE_FIELD)
    assert number.x1 < 595 / 2 < date.x1  # number left, date right
    assert number.y0 > 842 / 2 and date.y0 > 842 / 2


def test_ensure_fields_leaves_a_template_with_the_fields_unchanged() -> None:
    template = pdf_with_fields()
    assert ensure_fields(template) == template


def test_fill_fields_fills_a_template_s_own_fields(test_pki: LivePKI) -> None:
    filled = fill_fields(pdf_with_fields(), {NUMBER_FIELD: NUMBER})
    reader = PdfFileReader(io.BytesIO(filled))
    field = next(r.get_object() for r in reader.root["/AcroForm"]["/Fields"]
                 if r.get_object()["/T"] == NUMBER_FIELD)

    assert field["/V"] == NUMBER
    assert "/N" in field["/AP"]


def test_fill_fields_refuses_an_unknown_field() -> None:
    with pytest.raises(SigningError) as excinfo:
        fill_fields(tiny_pdf(), {NUMBER_FIELD: NUMBER})
    assert excinfo.value.params == {"field": NUMBER_FIELD}


# --- refusals -------------------------------------------------------------------------------------------

def encrypted_pdf() -> bytes:
    writer = PdfFileWriter()
    writer.encrypt("owner-secret", "user-secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("data, msgid_part", [
    (b"hello, not a pdf", "not a PDF"),
    (tiny_pdf()[: len(tiny_pdf()) // 2], "damaged"),
    (b"%PDF-1.7\n" + b"\x00" * 200, "damaged"),
])
def test_broken_input_is_unreadable(test_pki: LivePKI, data: bytes, msgid_part: str) -> None:
    with pytest.raises(UnreadablePdfError) as excinfo:
        sign_pdf(data, test_pki.simple_signer("chutich"), SignRequest(SignatureKind.INITIAL, PadesLevel.B_B),
                 context(test_pki))
    assert msgid_part in excinfo.value.message


def test_an_encrypted_pdf_is_refused_with_a_clear_message(test_pki: LivePKI) -> None:
    with pytest.raises(UnreadablePdfError) as excinfo:
        sign_pdf(encrypted_pdf(), test_pki.simple_signer("chutich"),
                 SignRequest(SignatureKind.INITIAL, PadesLevel.B_B), context(test_pki))
    assert "encrypted" in excinfo.value.message
    with pytest.raises(UnreadablePdfError):
        fill_fields(encrypted_pdf(), {NUMBER_FIELD: NUMBER})


@pytest.mark.parametrize("level, ctx_kwargs, msgid_part", [
    (PadesLevel.B_T, {}, "timestamp authority"),
    (PadesLevel.B_LT, {"timestamper": "tsa"}, "revocation data"),
    (PadesLevel.B_LTA, {"timestamper": "tsa"}, "revocation data"),
])
def test_levels_refuse_to_sign_without_their_services(test_pki: LivePKI, level: PadesLevel,
                                                      ctx_kwargs: dict[str, Any], msgid_part: str) -> None:
    ctx = SigningContext(timestamper=test_pki.timestamper() if ctx_kwargs else None)
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"), SignRequest(SignatureKind.INITIAL, level), ctx)
    assert msgid_part in excinfo.value.message
    assert excinfo.value.params == {"level": level.value}


def test_an_unreachable_timestamp_authority_is_a_clear_signing_error(test_pki: LivePKI) -> None:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    ctx = SigningContext(timestamper=HTTPTimeStamper("http://127.0.0.1:9/tsa", timeout=2))
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(tiny_pdf(), test_pki.simple_signer("chutich"), SignRequest(SignatureKind.INITIAL, PadesLevel.B_T),
                 ctx)
    assert excinfo.value.message == "The timestamp authority did not answer."


def test_a_revoked_certificate_cannot_sign_at_b_lt(test_pki: LivePKI) -> None:
    ctx = SigningContext(test_pki.timestamper(), test_pki.validation_context(revocation_mode="hard-fail"))
    with pytest.raises(SigningError):
        sign_pdf(tiny_pdf(), test_pki.simple_signer("revoked"),
                 SignRequest(SignatureKind.INITIAL, PadesLevel.B_LT), ctx)


# --- the session: reuse and size reservation --------------------------------------------------------------

class CountingFonts(FontLibrary):
    def __init__(self) -> None:
        super().__init__()
        self.engines = 0

    def engine(self, writer: Any, face: FontFace, size: int = 11) -> Any:
        self.engines += 1
        return super().engine(writer, face, size)


def test_a_session_renders_the_appearance_once_for_many_documents(test_pki: LivePKI) -> None:
    fonts = CountingFonts()
    session = SigningSession(test_pki.simple_signer("chutich"), context(test_pki), fonts=fonts)
    request = SignRequest(SignatureKind.PERSONAL, PadesLevel.B_B, personal_appearance())

    session.sign(tiny_pdf(), request)
    after_first = fonts.engines
    outputs = [session.sign(tiny_pdf(), request) for _ in range(3)]

    assert after_first > 0 and fonts.engines == after_first
    for data in outputs:
        assert statuses(data, test_pki)["personal_1"].intact


def test_the_signature_size_is_reserved_without_a_dry_run(test_pki: LivePKI, monkeypatch: pytest.MonkeyPatch) -> None:
    session = SigningSession(test_pki.simple_signer("chutich"), context(test_pki))
    calls: list[bytes] = []
    signer_class: Any = type(session.signer)
    real = signer_class.sign_raw

    def counting(self: Any, data: bytes, digest_algorithm: str) -> bytes:
        calls.append(data)
        return real(self, data, digest_algorithm)

    monkeypatch.setattr(signer_class, "sign_raw", counting)
    data = session.sign(tiny_pdf(), SignRequest(SignatureKind.INITIAL, PadesLevel.B_T))

    assert len(calls) == 1  # pyHanko's estimate would sign a dummy digest first
    contents = PdfFileReader(io.BytesIO(data)).embedded_signatures[0].sig_object.raw_get("/Contents")
    used = len(PdfFileReader(io.BytesIO(data)).embedded_signatures[0].signed_data.dump())
    assert used <= len(contents.original_bytes) < used + 6000


def test_a_signing_key_from_keys_py_is_accepted(test_pki: LivePKI, tmp_path: Path) -> None:
    from docflow.signing.keys import load_pkcs12

    key = load_pkcs12(test_pki.write_pkcs12("chutich", "123456", tmp_path), "123456")
    data = sign_pdf(tiny_pdf(), key, SignRequest(SignatureKind.INITIAL, PadesLevel.B_B), context(test_pki))

    assert statuses(data, test_pki)["initial_1"].trusted


def test_demo_seal_signs_like_any_seal(test_pki: LivePKI, chain: dict[str, bytes]) -> None:
    data = sign_pdf(chain["filled"], test_pki.simple_signer("organisation"),
                    SignRequest(SignatureKind.ORGANISATION, PadesLevel.B_B,
                                Appearance(seal_image=demo_seal_png(ORGANISATION))), context(test_pki))
    assert statuses(data, test_pki)["organisation"].bottom_line
