"""PAdES signing for the Decree 30 signature chain (DESIGN.md §3).

Every change is an incremental update (``IncrementalPdfFileWriter``), so earlier signatures stay valid:
initials, the personal signature, the number and date filled into form fields, then the organisation
signature, which locks the document.

pyHanko refuses a certification (DocMDP) signature once any signature exists
(``PdfSigner._enforce_certification_constraints``: "Certification signatures must be the first signature"),
and the organisation signs last. So the lock is an approval signature whose field carries a lock
dictionary: FieldMDP ``/All`` plus ``/P 1`` (no changes), which pyHanko's validator reads back as the
signature's DocMDP level (``EmbeddedPdfSignature.docmdp_level``).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeAlias, Union

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields as sig_fields
from pyhanko.sign.fields import FieldMDPAction, FieldMDPSpec, MDPPerm, SigFieldSpec, SigSeedSubFilter
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, PdfTimeStamper, Signer, SimpleSigner
from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.stamp import BaseStampStyle
from pyhanko_certvalidator import ValidationContext

from docflow.errors import N_, SigningError, UnreadablePdfError
from docflow.signing import stamp
from docflow.signing.base import DATE_FIELD, NUMBER_FIELD, PadesLevel, SignatureKind
from docflow.signing.stamp import AppearanceTemplate, FontFace, FontLibrary, Rect, TemplateStampStyle

if TYPE_CHECKING:
    from docflow.signing.keys import SigningKey

# A loaded key: docflow's SigningKey, or a bare pyHanko Signer (SimpleSigner, PKCS11Signer).
KeyLike: TypeAlias = Union["SigningKey", Signer]

MD_ALGORITHM = "sha256"
PERSONAL_SIZE = (220.0, 110.0)
INITIAL_SIZE = (60.0, 20.0)
TEXT_STAMP_SIZE = (190.0, 40.0)
PAGE_MARGIN = 36.0
_LOCKING_KINDS = frozenset({SignatureKind.ORGANISATION, SignatureKind.ORGANISATION_TEXT})
_TIMESTAMPED = frozenset({PadesLevel.B_T, PadesLevel.B_LT, PadesLevel.B_LTA})
_WITH_DSS = frozenset({PadesLevel.B_LT, PadesLevel.B_LTA})
# CMS overhead besides certificates and the timestamp token: signed attributes (content type, digest,
# signing-certificate-v2), algorithm identifiers and a signature value of up to RSA-4096.
_CMS_OVERHEAD = 2048
_TIMESTAMP_FALLBACK = 8192
_FILLED_STATE = pdf_name("/Filled")
# Vietnam keeps UTC+7 all year; the stamp shows the time the way the ward reads it.
VIETNAM_TIME = timezone(timedelta(hours=7), "ICT")
# Validation data goes into the signature's own revision: a B-LT signature is then one incremental
# update, and the organisation signature that locks the document has no revision after it at all.
# (VRI entries need the finished signature, so they are left out; PAdES validators do not use them.)
_DSS_SETTINGS = DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False)


@dataclass(frozen=True)
class Appearance:
    """What a visible signature shows; ``page``/``box`` override the default placement."""

    mode_line: str | None = None     # "KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN"
    post: str = ""                   # "PHÓ CHỦ TỊCH"; "CHỦ TỊCH" under a TM. line
    full_name: str = ""              # the signer, or the organisation for ORGANISATION_TEXT
    signature_image: bytes | None = None
    seal_image: bytes | None = None
    number_symbol: str | None = None
    page: int | None = None
    box: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class SignRequest:
    """One signature: its step in the chain, PAdES level, appearance (None: invisible, for initials and
    the text-only kind) and field name (None: ``initial_<n>``, ``personal_<n>``, ``organisation``)."""

    kind: SignatureKind
    level: PadesLevel = PadesLevel.B_T
    appearance: Appearance | None = None
    field_name: str | None = None
    reason: str | None = None
    location: str | None = None
    # text fields to fill in the signature's own revision (the number and date at issue), as fill_fields
    # does; fields the PDF lacks are left out (a PDF signed elsewhere first)
    fill: Mapping[str, str] | None = None


@dataclass(frozen=True)
class SigningContext:
    """Network-facing collaborators: a TSA for B-T and above, revocation sources for B-LT and above."""

    timestamper: TimeStamper | None = None
    validation_context: ValidationContext | None = None


def sign_pdf(data: bytes, key: KeyLike, request: SignRequest, context: SigningContext) -> bytes:
    """Sign ``data`` once in an incremental update and return the new PDF.

    Raises UnreadablePdfError for encrypted or broken PDFs, SigningError when the level's prerequisites
    are missing, the certificate fails validation, the TSA fails, or the appearance cannot be placed.
    """
    return SigningSession(key, context).sign(data, request)


class SigningSession:
    """One loaded key used for many documents: fonts, decoded images and appearances are built once."""

    def __init__(self, key: KeyLike, context: SigningContext, fonts: FontLibrary | None = None) -> None:
        self.signer: Signer = _keep_key_loaded(key if isinstance(key, Signer) else key.signer)
        self.context = context
        self.fonts = fonts or FontLibrary()
        self._images: dict[bytes, Image.Image] = {}
        self._templates: dict[tuple[Any, ...], AppearanceTemplate] = {}
        self._timestamp_size: int | None = None
        self._cert_bytes = _certificate_bytes(self.signer)

    def sign(self, data: bytes, request: SignRequest) -> bytes:
        """Add one signature; see :func:`sign_pdf` for what it raises."""
        _check_prerequisites(request.level, self.context)
        with _damage_is_unreadable():
            try:
                return self._sign(data, request, self._reserve(request.level))
            except _ReservationTooSmall:
                # a TSA answered with a token larger than its earlier one; let pyHanko measure instead
                return self._sign(data, request, None)

    def _sign(self, data: bytes, request: SignRequest, reserve: int | None) -> bytes:
        writer = open_incremental(data)
        if request.fill:
            # one revision for the values and the seal: no second parse of the file, and the filled
            # appearances are written in the revision the locking signature covers
            _fill_on_writer(writer, request.fill, self.fonts, missing_ok=True)
        field_name = request.field_name or _next_field_name(writer, request.kind)
        if any(True for _ in sig_fields.enumerate_sig_fields(writer, filled_status=True, with_name=field_name)):
            raise SigningError(N_("The signature field %(field)s is already signed."), field=field_name)
        spec, style, params = self._placement(writer, request, field_name)
        level = request.level
        meta = PdfSignatureMetadata(
            field_name=field_name,
            # what the lock dictionary demands anyway; pyHanko's default (form filling) would be
            # overridden with a logged warning
            docmdp_permissions=MDPPerm.NO_CHANGES if request.kind in _LOCKING_KINDS else MDPPerm.FILL_FORMS,
            md_algorithm=MD_ALGORITHM,
            subfilter=SigSeedSubFilter.PADES,
            reason=request.reason,
            location=request.location,
            embed_validation_info=level in _WITH_DSS,
            use_pades_lta=level is PadesLevel.B_LTA,
            validation_context=self.context.validation_context if level in _WITH_DSS else None,
            dss_settings=_DSS_SETTINGS,
        )
        pdf_signer = PdfSigner(
            meta,
            self.signer,
            timestamper=self.context.timestamper if level in _TIMESTAMPED else None,
            stamp_style=style,
            new_field_spec=spec,
        )
        out = io.BytesIO()
        try:
            pdf_signer.sign_pdf(writer, bytes_reserved=reserve, appearance_text_params=params, output=out)
        except PyHankoSigningError as exc:
            if "larger than expected" in str(exc):
                raise _ReservationTooSmall from exc
            raise SigningError(N_("The document could not be signed: the signing certificate or its "
                                  "validation data was refused.")) from exc
        except TimestampRequestError as exc:
            raise SigningError(N_("The timestamp authority did not answer.")) from exc
        return out.getvalue()

    def _reserve(self, level: PadesLevel) -> int:
        # Sized from what goes into the CMS instead of pyHanko's dry run, which signs a dummy digest
        # (one more private-key operation per document). PAdES puts revocation data in the DSS, not here.
        size = self._cert_bytes + _CMS_OVERHEAD
        if level in _TIMESTAMPED:
            size += self._timestamp_budget()
        return 2 * size

    def _timestamp_budget(self) -> int:
        if self._timestamp_size is None:
            timestamper = self.context.timestamper
            assert timestamper is not None
            try:
                # pyHanko caches this one token per timestamper, so a batch asks the TSA once
                token = asyncio.run(timestamper.async_dummy_response(MD_ALGORITHM))
                self._timestamp_size = len(token.dump()) + 1024
            except TimestampRequestError as exc:
                raise SigningError(N_("The timestamp authority did not answer.")) from exc
            except Exception:  # an exotic timestamper without dummy responses: a generous fixed budget
                self._timestamp_size = _TIMESTAMP_FALLBACK
        return self._timestamp_size

    def _placement(
        self, writer: IncrementalPdfFileWriter, request: SignRequest, field_name: str
    ) -> tuple[SigFieldSpec, BaseStampStyle | None, dict[str, str]]:
        kind, appearance = request.kind, request.appearance
        lock: dict[str, Any] = {}
        if kind in _LOCKING_KINDS:
            lock = {"field_mdp_spec": FieldMDPSpec(FieldMDPAction.ALL),
                    "doc_mdp_update_value": MDPPerm.NO_CHANGES}
        existing = _empty_field_widget(writer, field_name)
        if existing is not None:
            return self._existing_field(field_name, kind, appearance, existing)
        if appearance is None:
            if kind in (SignatureKind.PERSONAL, SignatureKind.ORGANISATION):
                raise SigningError(N_("A %(kind)s signature must be visible."), kind=kind.value)
            return SigFieldSpec(field_name, **lock), None, {}
        page, rect = self._default_rect(writer, kind, appearance)
        spec = SigFieldSpec(field_name, on_page=page, box=rect.as_box(), **lock)
        if kind is SignatureKind.ORGANISATION_TEXT:
            style: BaseStampStyle = stamp.text_stamp_style(self.fonts)
            params = {"number": appearance.number_symbol or "", "organisation": appearance.full_name,
                      "time": datetime.now(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M:%S %z")}
            return spec, style, params
        template = self._template(kind, appearance, rect.width, rect.height)
        return spec, TemplateStampStyle(template=template), {}

    def _existing_field(
        self, field_name: str, kind: SignatureKind, appearance: Appearance | None,
        existing: tuple[generic.DictionaryObject, Rect | None],
    ) -> tuple[SigFieldSpec, BaseStampStyle | None, dict[str, str]]:
        # A template's own empty field: pyHanko signs it as it is, so the appearance takes its size.
        field_obj, rect = existing
        if kind in _LOCKING_KINDS and "/Lock" not in field_obj:
            # adding /Lock to an existing field is more than form filling for earlier signatures
            raise SigningError(N_("The signature field %(field)s cannot lock the document; the "
                                  "organisation signature needs a field of its own."), field=field_name)
        spec = SigFieldSpec(field_name)
        if rect is None:
            return spec, None, {}
        if appearance is None or kind is SignatureKind.ORGANISATION_TEXT:
            template = AppearanceTemplate.render(self.fonts, rect.width, rect.height)
        else:
            template = self._template(kind, appearance, rect.width, rect.height)
        return spec, TemplateStampStyle(template=template), {}

    def _default_rect(
        self, writer: IncrementalPdfFileWriter, kind: SignatureKind, appearance: Appearance
    ) -> tuple[int, Rect]:
        pages = page_count(writer)
        page = appearance.page if appearance.page is not None else pages - 1
        if not 0 <= page < pages:
            raise SigningError(N_("The document has no page %(page)d."), page=page + 1)
        if appearance.box is not None:
            return page, Rect(*appearance.box)
        if kind is SignatureKind.ORGANISATION:
            found = last_personal_widget(writer)
            if found is None:
                raise SigningError(N_("The organisation signature goes over a visible personal "
                                      "signature, and the document has none."))
            page, widget = found
            return page, stamp.seal_rect(stamp.personal_image_rect(widget))
        media = page_box(writer, page if kind is not SignatureKind.ORGANISATION_TEXT else 0)
        if kind is SignatureKind.ORGANISATION_TEXT:
            # Decree 30, Annex I: the organisation's signature on attachments sits top right of page 1
            w, h = TEXT_STAMP_SIZE
            return 0, Rect(media.x1 - PAGE_MARGIN - w, media.y1 - 6 - h, media.x1 - PAGE_MARGIN, media.y1 - 6)
        if kind is SignatureKind.INITIAL:
            # initials go in the bottom right margin, where a reviewer's ký nháy usually is
            w, h = INITIAL_SIZE
            return page, Rect(media.x1 - PAGE_MARGIN - w, PAGE_MARGIN / 2, media.x1 - PAGE_MARGIN,
                              PAGE_MARGIN / 2 + h)
        w, h = PERSONAL_SIZE
        top = min(lowest_text_y(writer, page, media), lowest_widget_y(writer, page, media)) - 12
        # below the text if it fits, else at the bottom margin (over whatever is there)
        y0 = max(PAGE_MARGIN, min(top, media.y1 - PAGE_MARGIN) - h)
        centre = media.x0 + media.width * 0.75 - 10
        return page, Rect(centre - w / 2, y0, centre + w / 2, y0 + h)

    def _template(self, kind: SignatureKind, appearance: Appearance, width: float,
                  height: float) -> AppearanceTemplate:
        key = (kind, appearance.mode_line, appearance.post, appearance.full_name,
               _digest(appearance.signature_image), _digest(appearance.seal_image), round(width, 2),
               round(height, 2))
        template = self._templates.get(key)
        if template is not None:
            return template
        if kind is SignatureKind.ORGANISATION:
            if appearance.seal_image is None:
                raise SigningError(N_("The organisation has no seal image."))
            template = stamp.image_template(self.fonts, self._image(appearance.seal_image), width, height)
        elif kind is SignatureKind.INITIAL and appearance.signature_image is not None:
            template = stamp.image_template(self.fonts, self._image(appearance.signature_image), width, height)
        elif kind is SignatureKind.INITIAL:
            template = stamp.initials_template(self.fonts, initials(appearance.full_name), width, height)
        else:
            image = self._image(appearance.signature_image) if appearance.signature_image else None
            template = stamp.personal_template(
                self.fonts, width, height, mode_line=appearance.mode_line, post=appearance.post,
                full_name=appearance.full_name, signature_image=image)
        self._templates[key] = template
        return template

    def _image(self, data: bytes) -> Image.Image:
        key = hashlib.sha256(data).digest()
        image = self._images.get(key)
        if image is None:
            image = self._images[key] = stamp.open_png(data)
        return image


class _ReservationTooSmall(Exception):
    pass


MSG_UNSIGNABLE = N_("The PDF of this document is damaged or malformed, so it cannot be signed. Upload a "
                    "corrected version (for example, print it to PDF again).")


@contextmanager
def _damage_is_unreadable() -> Iterator[None]:
    # pyHanko reads objects lazily, so damage past the trailer surfaces while placing fields, signing or
    # writing: a page tree whose /Count lies ("Page not found"), cross-references into the middle of an
    # object, nesting deeper than the parser's recursion. pyHanko reports all of them as PdfError.
    try:
        yield
    except (PdfError, RecursionError) as exc:
        raise UnreadablePdfError(MSG_UNSIGNABLE) from exc


class _LoadedKeySigner(SimpleSigner):
    """A SimpleSigner that parses its private key once.

    pyHanko's ``SimpleSigner.sign_raw`` runs ``load_der_private_key`` on every signature; for RSA that
    includes cryptography's key consistency check, about 40 ms, more than everything else in signing a
    small PDF. A batch signs with the same key, so the parsed key is kept for the session.
    """

    _private_key: Any

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mechanism.signature_algo
        except ValueError:
            algo = mechanism["algorithm"].native
        key = self._private_key
        # the same choices as pyHanko's SimpleSigner.sign_raw for the two mechanisms docflow issues
        if algo == "rsassa_pkcs1v15" and isinstance(key, RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "ecdsa" and isinstance(key, EllipticCurvePrivateKey):
            return key.sign(data, ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        # PSS, EdDSA and the rest: pyHanko's own path
        return super().sign_raw(data, digest_algorithm)


def _keep_key_loaded(signer: Signer) -> Signer:
    if type(signer) is not SimpleSigner:
        return signer
    loaded = _LoadedKeySigner.__new__(_LoadedKeySigner)
    loaded.__dict__.update(signer.__dict__)
    loaded._private_key = serialization.load_der_private_key(signer.signing_key.dump(), password=None)
    return loaded


def _check_prerequisites(level: PadesLevel, context: SigningContext) -> None:
    if level in _TIMESTAMPED and context.timestamper is None:
        raise SigningError(N_("PAdES level %(level)s needs a timestamp authority, and none is configured."),
                           level=level.value)
    if level in _WITH_DSS and context.validation_context is None:
        raise SigningError(N_("PAdES level %(level)s embeds revocation data, and no validation context "
                              "is configured."), level=level.value)


def _certificate_bytes(key: Signer) -> int:
    cert = key.signing_cert
    total = len(cert.dump()) if cert is not None else 4096
    return total + sum(len(c.dump()) for c in key.cert_registry)


def _digest(data: bytes | None) -> bytes | None:
    return None if data is None else hashlib.sha256(data).digest()


def initials(full_name: str) -> str:
    """``Nguyễn Văn An`` -> ``NVA``."""
    return "".join(part[0] for part in full_name.split() if part).upper()


def add_document_timestamp(data: bytes, context: SigningContext) -> bytes:
    """Add a document timestamp (B-LTA, or a later archive timestamp) with fresh validation data.

    Raises UnreadablePdfError, or SigningError without a TSA or when the TSA or validation fails.
    """
    if context.timestamper is None:
        raise SigningError(N_("A document timestamp needs a timestamp authority, and none is configured."))
    writer = open_incremental(data)
    out = io.BytesIO()
    try:
        with _damage_is_unreadable():
            PdfTimeStamper(context.timestamper).timestamp_pdf(
                writer, MD_ALGORITHM, validation_context=context.validation_context, output=out)
    except TimestampRequestError as exc:
        raise SigningError(N_("The timestamp authority did not answer.")) from exc
    except PyHankoSigningError as exc:
        raise SigningError(N_("The document timestamp could not be added.")) from exc
    return out.getvalue()


def open_incremental(data: bytes) -> IncrementalPdfFileWriter:
    """Open ``data`` for an incremental update.

    Raises UnreadablePdfError if it is not a PDF, is damaged, or is encrypted.
    """
    if b"%PDF-" not in data[:1024]:
        raise UnreadablePdfError(N_("The file is not a PDF."))
    try:
        writer = _Writer(io.BytesIO(data), strict=False)
        encrypted = writer.prev.encrypted
        if not encrypted:
            _ = writer.root["/Pages"]["/Count"]
    except (PdfError, KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise UnreadablePdfError(N_("The PDF is damaged and cannot be read.")) from exc
    if encrypted:
        raise UnreadablePdfError(N_("The PDF is encrypted; docflow signs only unencrypted PDFs."))
    return writer


class _Writer(IncrementalPdfFileWriter):
    """An incremental writer that finds a page of a flat page tree without reading every page before it.

    pyHanko walks the page tree from the first page, reading each page object, to place a field on
    the last page: 100 object reads for a 100-page PDF, the largest cost of signing one. When a /Pages
    node has as many kids as its /Count, and the kid at the index is a /Page, that kid is the page
    (empty intermediate nodes, which would break this, are then impossible in that node).
    Anything else goes down pyHanko's walk.
    """

    def _walk_page_tree(self, page_ix: int, retrieve_parent: bool) -> Any:
        if not retrieve_parent:
            found = self._direct_page(page_ix)
            if found is not None:
                return found
        return super()._walk_page_tree(page_ix, retrieve_parent)

    def _direct_page(self, page_ix: int) -> tuple[generic.IndirectObject, generic.PdfObject] | None:
        try:
            node = self.root["/Pages"]
            kids = node["/Kids"]
            count = int(node["/Count"])
            if count != len(kids):
                return None
            if page_ix < 0:
                page_ix += count
            if not 0 <= page_ix < count:
                return None
            kid_ref = kids.raw_get(page_ix)
            kid = kid_ref.get_object()
            if not isinstance(kid_ref, generic.IndirectObject) or kid.get("/Type") != "/Page":
                return None
            if "/Resources" in kid:
                return kid_ref, kid.raw_get("/Resources")
            return kid_ref, node.raw_get("/Resources") if "/Resources" in node else generic.DictionaryObject()
        except (KeyError, TypeError, ValueError, IndexError, PdfError):
            return None


# --- page and field geometry -------------------------------------------------------------------------

def _pages(node: generic.DictionaryObject) -> Iterator[generic.DictionaryObject]:
    kids = node.get("/Kids")
    if kids is None:
        yield node
        return
    for kid in kids:
        yield from _pages(kid.get_object())


def page_count(writer: IncrementalPdfFileWriter) -> int:
    return int(writer.root["/Pages"]["/Count"])


def page_box(writer: IncrementalPdfFileWriter, page: int) -> Rect:
    """The page's MediaBox (inherited if need be)."""
    page_ref, _ = writer.find_page_for_modification(page)
    node: Any = page_ref.get_object()
    while node is not None:
        if "/MediaBox" in node:
            x0, y0, x1, y1 = (float(v) for v in node["/MediaBox"])
            return Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        node = node.get("/Parent")
        node = node.get_object() if node is not None else None
    return Rect(0, 0, 595.0, 842.0)


_TOKEN = re.compile(
    rb"\((?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*\)"   # a string, one level of nested parentheses
    rb"|<<|>>|<[0-9A-Fa-f\s]*>|\[|\]|%[^\r\n]*"
    rb"|/[^\s/\[\]()<>{}%]*"
    rb"|[-+]?(?:\d+\.?\d*|\.\d+)"
    rb"|[A-Za-z'\"*][A-Za-z0-9*]*"
)
_Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: _Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: _Matrix, n: _Matrix) -> _Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _text_baselines(content: bytes) -> Iterator[float]:
    """The page-space y of every text-showing operator in a content stream (a small interpreter of the
    text positioning operators; pypdf's text extraction did the same at ten times the cost)."""
    ctm, stack = _IDENTITY, []
    tm = tlm = _IDENTITY
    leading = 0.0
    operands: list[float] = []
    for match in _TOKEN.finditer(content):
        token = match.group()
        first = token[:1]
        if first.isdigit() or first in b"+-.":
            operands.append(float(token))
            continue
        if not first.isalpha() and first not in b"'\"*":
            continue
        op, args, operands = token, operands, []
        if op == b"q":
            stack.append(ctm)
        elif op == b"Q" and stack:
            ctm = stack.pop()
        elif op == b"cm" and len(args) >= 6:
            ctm = _mul(tuple(args[-6:]), ctm)  # type: ignore[arg-type]
        elif op == b"BT":
            tm = tlm = _IDENTITY
        elif op == b"Tm" and len(args) >= 6:
            tm = tlm = tuple(args[-6:])  # type: ignore[assignment]
        elif op in (b"Td", b"TD") and len(args) >= 2:
            if op == b"TD":
                leading = -args[-1]
            tm = tlm = _mul((1, 0, 0, 1, args[-2], args[-1]), tlm)
        elif op == b"TL" and args:
            leading = args[-1]
        elif op in (b"T*", b"'", b'"'):
            tm = tlm = _mul((1, 0, 0, 1, 0, -leading), tlm)
        if op in (b"Tj", b"TJ", b"'", b'"'):
            yield _mul(tm, ctm)[5]


def lowest_text_y(writer: IncrementalPdfFileWriter, page: int, media: Rect, above: float | None = None) -> float:
    """The baseline of the lowest text on a page (only text above ``above`` if given), or the page top
    when there is none or the content cannot be read. Text inside form XObjects is not seen."""
    page_ref, _ = writer.find_page_for_modification(page)
    try:
        contents = page_ref.get_object().get("/Contents")
        parts = [] if contents is None else contents if isinstance(contents, generic.ArrayObject) else [contents]
        data = b"\n".join(part.get_object().data for part in parts)
        ys = [y for y in _text_baselines(data) if above is None or y > above]
    except (PdfError, ValueError, TypeError, AttributeError, IndexError):
        # placement is best effort: unreadable content gets the default position
        return media.y1 - PAGE_MARGIN
    return min(ys) if ys else media.y1 - PAGE_MARGIN


def lowest_widget_y(writer: IncrementalPdfFileWriter, page: int, media: Rect) -> float:
    """The bottom of the lowest form field on a page (filled in later, so it counts as text).

    Signature widgets do not count: a reviewer's initials sit in the bottom margin.
    """
    page_ref, _ = writer.find_page_for_modification(page)
    lowest = media.y1 - PAGE_MARGIN
    for annot in page_ref.get_object().get("/Annots", ()):
        annot = annot.get_object()
        if annot.get("/FT") == "/Sig" or annot.get("/Subtype") != "/Widget":
            continue
        rect = _rect_of(annot)
        if rect is not None:
            lowest = min(lowest, rect.y0)
    return lowest


def _rect_of(widget: generic.DictionaryObject) -> Rect | None:
    try:
        x0, y0, x1, y1 = (float(v) for v in widget["/Rect"])
    except (KeyError, TypeError, ValueError):
        return None
    rect = Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return rect if rect.width > 0 and rect.height > 0 else None


def _page_index(writer: IncrementalPdfFileWriter, widget_ref: generic.IndirectObject,
                widget: generic.DictionaryObject) -> int | None:
    page_ref = widget.raw_get("/P") if "/P" in widget else None
    for index, page in enumerate(_pages(writer.root["/Pages"])):
        if page_ref is not None and page_ref.get_object() is page:
            return index
        annots = page.get("/Annots")
        if annots is not None and any(
                isinstance(a, generic.IndirectObject) and a.reference == widget_ref.reference
                for a in annots.get_object()):
            return index
    return None


def last_personal_widget(writer: IncrementalPdfFileWriter) -> tuple[int, Rect] | None:
    """The page and /Rect of the last visible, filled ``personal_*`` signature, if any."""
    found: tuple[int, Rect] | None = None
    for name, value, field_ref in sig_fields.enumerate_sig_fields(writer, filled_status=True):
        if not name.startswith(SignatureKind.PERSONAL.value):
            continue
        for widget_ref, widget in _widgets(field_ref):
            rect = _rect_of(widget)
            page = _page_index(writer, widget_ref, widget) if rect is not None else None
            if rect is not None and page is not None:
                found = (page, rect)
    return found


def _empty_field_widget(writer: IncrementalPdfFileWriter,
                        name: str) -> tuple[generic.DictionaryObject, Rect | None] | None:
    """An existing, unsigned signature field called ``name`` and its widget's /Rect (None: invisible)."""
    for _, _, field_ref in sig_fields.enumerate_sig_fields(writer, filled_status=False, with_name=name):
        rects = [rect for _, widget in _widgets(field_ref) if (rect := _rect_of(widget)) is not None]
        return field_ref.get_object(), rects[0] if rects else None
    return None


def _next_field_name(writer: IncrementalPdfFileWriter, kind: SignatureKind) -> str:
    if kind is SignatureKind.ORGANISATION:
        prefix = "organisation"
    elif kind is SignatureKind.ORGANISATION_TEXT:
        prefix = "organisation_text"
    else:
        prefix = kind.value + "_"
    taken = {name for name, _, _ in sig_fields.enumerate_sig_fields(writer)}
    if prefix.endswith("_"):
        n = 1
        while f"{prefix}{n}" in taken:
            n += 1
        return f"{prefix}{n}"
    if prefix not in taken:
        return prefix
    n = 2
    while f"{prefix}_{n}" in taken:
        n += 1
    return f"{prefix}_{n}"


def _widgets(field_ref: generic.IndirectObject) -> Iterator[tuple[generic.IndirectObject, generic.DictionaryObject]]:
    field_obj = field_ref.get_object()
    if "/Rect" in field_obj:
        yield field_ref, field_obj
    for kid in field_obj.get("/Kids", ()):
        if isinstance(kid, generic.IndirectObject):
            kid_obj = kid.get_object()
            if "/Rect" in kid_obj:
                yield kid, kid_obj


# --- form fields: number and issue date ---------------------------------------------------------------

def _text_fields(writer: IncrementalPdfFileWriter) -> dict[str, generic.IndirectObject]:
    try:
        fields = writer.root["/AcroForm"]["/Fields"]
    except KeyError:
        return {}
    result: dict[str, generic.IndirectObject] = {}

    def walk(refs: Any, prefix: str) -> None:
        for ref in refs:
            if not isinstance(ref, generic.IndirectObject):
                continue
            obj = ref.get_object()
            partial = obj.get("/T")
            name = prefix + str(partial) if partial is not None else prefix.rstrip(".")
            if obj.get("/FT") == "/Tx" and partial is not None:
                result[name] = ref
            kids = obj.get("/Kids")
            if kids is not None and partial is not None:
                walk(kids, name + ".")

    walk(fields, "")
    return result


@dataclass(frozen=True)
class TextField:
    """A text form field as the PDF's last revision has it: its value ("" when empty), and whether a widget
    of it is visible on the first page (a value in a field nobody sees is not what the document prints)."""
    value: str
    visible: bool


def read_text_fields(data: bytes) -> dict[str, TextField]:
    """The PDF's text form fields by name, read in one parse. Raises UnreadablePdfError."""
    writer = open_incremental(data)
    with _damage_is_unreadable():
        page_ref, _ = writer.find_page_for_modification(0)
        annots = page_ref.get_object().get("/Annots")
        on_page = {(ref.idnum, ref.generation) for ref in (annots.get_object() if annots is not None else ())
                   if isinstance(ref, generic.IndirectObject)}
        fields = {}
        for name, ref in _text_fields(writer).items():
            value = ref.get_object().get("/V")
            fields[name] = TextField(value=str(value) if value is not None else "", visible=_shown_on(ref, on_page))
    return fields


def text_field_values(data: bytes) -> dict[str, str]:
    """The text form fields of the PDF as its last revision has them, each with its value ("" when empty).

    Raises UnreadablePdfError.
    """
    return {name: field.value for name, field in read_text_fields(data).items()}


# Annotation flags (PDF 32000-1, 12.5.3) under which a widget is not shown on screen or on paper.
_HIDDEN, _NO_VIEW = 2, 32


def _shown_on(field: generic.IndirectObject, on_page: set[tuple[int, int]]) -> bool:
    """Whether a widget of ``field`` is on the first page (``on_page``: its annotations), of some size and
    neither hidden nor unviewable."""
    kids = field.get_object().get("/Kids")
    widgets = [k for k in kids if isinstance(k, generic.IndirectObject)] if kids is not None else [field]
    for ref in widgets:
        widget = ref.get_object()
        rect = widget.get("/Rect")
        if (ref.idnum, ref.generation) not in on_page or rect is None or len(rect) != 4:
            continue
        x0, y0, x1, y1 = (float(v) for v in rect)
        if abs(x1 - x0) >= 1 and abs(y1 - y0) >= 1 and not int(widget.get("/F", 0)) & (_HIDDEN | _NO_VIEW):
            return True
    return False


@_damage_is_unreadable()
def fill_fields(data: bytes, values: Mapping[str, str], fonts: FontLibrary | None = None) -> bytes:
    """Set text form fields (``so_ky_hieu``, ``ngay_ban_hanh``) in an incremental update.

    The values and new appearance streams (Noto Serif, so Vietnamese shows) are what pyHanko's
    difference analysis accepts as form filling, which earlier signatures allow.
    Raises UnreadablePdfError, or SigningError if a field does not exist.
    """
    writer = open_incremental(data)
    _fill_on_writer(writer, values, fonts or FontLibrary())
    out = io.BytesIO()
    with _damage_is_unreadable():
        writer.write(out)
    return out.getvalue()


def _fill_on_writer(writer: IncrementalPdfFileWriter, values: Mapping[str, str], library: FontLibrary,
                    missing_ok: bool = False) -> None:
    existing = _text_fields(writer)
    if missing_ok:
        values = {name: value for name, value in values.items() if name in existing}
        if not values:
            return
    # precomposed letters (NFC): the field font has no layout tables to place combining marks
    values = {name: unicodedata.normalize("NFC", value) for name, value in values.items()}
    # one font resource for every field: subset once per write
    engine = library.field_engine(writer, values.values())
    for name, value in values.items():
        ref = existing.get(name)
        if ref is None:
            raise SigningError(N_("The document has no form field %(field)s."), field=name)
        field_obj = ref.get_object()
        field_obj["/V"] = generic.TextStringObject(value)
        writer.mark_update(ref)
        quadding = int(field_obj.get("/Q", 0))
        for widget_ref, widget in _widgets(ref):
            rect = _rect_of(widget)
            if rect is None:
                continue
            appearance = _field_appearance(engine, value, rect, quadding)
            # The appearance is a state (/AS) of /N rather than /N itself. pyHanko 0.38's check for
            # in-place appearance updates (_allow_in_place_appearance_update) flags the appearance
            # stream of every locked text field in each revision after the lock unless the stream was
            # last written in the signed revision itself, which would make the organisation signature
            # fail as soon as a DSS or document timestamp follows it. That check is skipped for
            # fields with /AS; PDF viewers pick the /AS state for any widget (ISO 32000-1, 12.5.5).
            widget["/AP"] = generic.DictionaryObject({pdf_name("/N"): generic.DictionaryObject(
                {_FILLED_STATE: writer.add_object(appearance)})})
            widget["/AS"] = _FILLED_STATE
            writer.mark_update(widget_ref)


def _field_appearance(engine: GlyphAccumulator, value: str, rect: Rect, quadding: int) -> generic.StreamObject:
    size = 12.0
    shaped = engine.shape(value)
    natural = shaped.x_advance * size
    room = rect.width - 4
    if natural > room > 0:
        size, natural = size * room / natural, room
    size = min(size, rect.height * 0.75)
    natural = shaped.x_advance * size
    x = 2.0 if quadding == 0 else (rect.width - natural) / 2 if quadding == 1 else rect.width - 2 - natural
    y = (rect.height - size * 0.7) / 2
    scale = size / 12
    content = b"/Tx BMC q BT /F0 12 Tf %g 0 0 %g %g %g Tm %s ET Q EMC" % (scale, scale, x, y, shaped.graphics_ops)
    resources = generic.DictionaryObject({
        pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F0"): engine.as_resource()}),
    })
    return generic.StreamObject({
        pdf_name("/Type"): pdf_name("/XObject"),
        pdf_name("/Subtype"): pdf_name("/Form"),
        pdf_name("/BBox"): generic.ArrayObject(generic.FloatObject(v) for v in (0, 0, rect.width, rect.height)),
        pdf_name("/Resources"): resources,
    }, stream_data=content)


@dataclass(frozen=True)
class _FieldPlacement:
    name: str
    label: str
    rect: Rect
    quadding: int = 0


@_damage_is_unreadable()
def ensure_fields(data: bytes) -> bytes:
    """Add empty ``so_ky_hieu`` and ``ngay_ban_hanh`` text fields to page 1 when they are missing.

    A PDF that has both is returned unchanged (the same bytes). Must run before any signature:
    adding fields afterwards is more than form filling. Raises UnreadablePdfError.
    """
    writer = open_incremental(data)
    existing = _text_fields(writer)
    if NUMBER_FIELD in existing and DATE_FIELD in existing:
        return data
    media = page_box(writer, 0)
    # under the header text (ward name, national motto) if the top of the page has any
    top = min(media.y1 - 100, lowest_text_y(writer, 0, media, above=media.y1 - 140) - 8)
    placements = [
        # Decree 30 header: "Số: …" in the left column under the ward's name, the place and date in
        # the right column under the national motto.
        _FieldPlacement(NUMBER_FIELD, "Số, ký hiệu", Rect(media.x0 + 50, top - 22, media.x0 + 260, top)),
        _FieldPlacement(DATE_FIELD, "Ngày ban hành",
                        Rect(media.x0 + media.width / 2 - 10, top - 22, media.x1 - 40, top), quadding=1),
    ]
    page_ref, _ = writer.find_page_for_modification(0)
    page = page_ref.get_object()
    acroform = _acroform(writer)
    fields_arr = acroform["/Fields"]
    annots = page.get("/Annots")
    if annots is None:
        page["/Annots"] = annots = generic.ArrayObject()
    else:
        annots = annots.get_object()
    for placement in placements:
        if placement.name in existing:
            continue
        widget = generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): generic.TextStringObject(placement.name),
            pdf_name("/TU"): generic.TextStringObject(placement.label),
            pdf_name("/F"): generic.NumberObject(4),
            pdf_name("/Q"): generic.NumberObject(placement.quadding),
            pdf_name("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            pdf_name("/Rect"): generic.ArrayObject(
                generic.FloatObject(v) for v in (placement.rect.x0, placement.rect.y0,
                                                 placement.rect.x1, placement.rect.y1)),
            pdf_name("/P"): page_ref,
        })
        ref = writer.add_object(widget)
        fields_arr.append(ref)
        annots.append(ref)
    writer.update_container(fields_arr)
    writer.update_container(annots)
    writer.update_container(page)
    out = io.BytesIO()
    with _damage_is_unreadable():
        writer.write(out)
    return out.getvalue()


def _acroform(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    root = writer.root
    try:
        form = root["/AcroForm"]
    except KeyError:
        form = generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()})
        root["/AcroForm"] = writer.add_object(form)
        writer.update_root()
    if "/Fields" not in form:
        form["/Fields"] = generic.ArrayObject()
        writer.update_container(form)
    if "/DR" not in form:
        form["/DR"] = generic.DictionaryObject({pdf_name("/Font"): generic.DictionaryObject({
            pdf_name("/Helv"): generic.DictionaryObject({
                pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
                pdf_name("/BaseFont"): pdf_name("/Helvetica"), pdf_name("/Encoding"): pdf_name(
                    "/WinAnsiEncoding")})})})
        form.setdefault(pdf_name("/DA"), generic.TextStringObject("/Helv 12 Tf 0 g"))
        writer.update_container(form)
    return form


__all__ = [
    "Appearance", "KeyLike", "SignRequest", "SigningContext", "SigningSession", "add_document_timestamp",
    "ensure_fields", "fill_fields", "open_incremental", "read_text_fields", "sign_pdf", "text_field_values",
]

