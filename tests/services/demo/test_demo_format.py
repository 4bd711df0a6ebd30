"""The demo ward under Decree 30's default (blocking) format policy: every outgoing document the demo makes,
drafted with docflow's own Annex I template, passes the format check at every version: the draft, the
reviewed and signed ones and the issued one (number and date filled, the signer's and the ward's signatures on).
And a draft of every outgoing type drawn by the template with the demo's values passes too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from docflow import doctypes, formatcheck
from docflow.formatcheck import Expectation, check_pdf
from docflow.models import Document, DocumentKind, DocumentStatus, Organisation, Signature
from docflow.services.demo import seed_demo, seed_demo_documents, seed_demo_keys
from docflow.services.formatcheck.review import expectation_for
from docflow.services.formatcheck.settings import blocking_codes
from docflow.services.outgoing import DraftDetails, draft_template_pdf
from docflow.services.outgoing.template import header_names
from docflow.services.signatures.appearance import place_name
from docflow.signing.base import SignatureKind

WARD = "UBND phường Tích Sơn"


def _explained(findings: tuple[formatcheck.Finding, ...]) -> list[str]:
    return [f"{f.code} p.{f.page} ({f.x_mm}, {f.y_mm}) {f.message % f.params if f.params else f.message}"
            for f in findings]


def test_annex1_the_demo_wards_drafts_and_issued_documents_pass_the_format_check(db_session, signing_settings, store):
    seed_demo(db_session, organisation_name=WARD)
    seed_demo_keys(db_session, settings=signing_settings, store=store)
    seed_demo_documents(db_session, settings=signing_settings, store=store)
    organisation = db_session.execute(select(Organisation)).scalar_one()
    documents = db_session.execute(select(Document).where(Document.kind == DocumentKind.OUTGOING)
                                   .order_by(Document.id)).scalars().all()

    assert blocking_codes(db_session, organisation.id) == frozenset(formatcheck.BLOCKING_BY_DEFAULT)
    issued = {d.doc_type for d in documents if d.status is DocumentStatus.ISSUED}
    assert issued >= {"quyet_dinh", "cong_van"}
    assert {d.doc_type for d in documents} >= {"quyet_dinh", "cong_van", "ke_hoach", "bao_cao"}
    for document in documents:
        for version in document.versions:
            result = check_pdf(store.read(version.sha256), expectation_for(document))
            assert result.findings == (), (document.summary, version.number, _explained(result.findings))
        if document.status is DocumentStatus.ISSUED:
            kinds = {s.kind for s in db_session.execute(select(Signature).where(
                Signature.document_id == document.id)).scalars()}
            assert {SignatureKind.PERSONAL, SignatureKind.ORGANISATION} <= kinds
            assert document.number_symbol and document.number_symbol.split("/")[1] in {"QĐ-UBND", "UBND-VP"}


OUTGOING_TYPES = [t.code for t in doctypes.DOCUMENT_TYPES]


@pytest.mark.parametrize("doc_type", OUTGOING_TYPES)
def test_annex1_a_template_draft_of_each_type_with_the_demos_values_passes_the_format_check(doc_type):
    kind = doctypes.get_type(doc_type)
    assert kind is not None
    symbol = f"{kind.abbreviation}-UBND" if kind.abbreviation else "UBND-VP"
    details = DraftDetails(unit="VP", internal_recipients=["Văn hóa – Xã hội"],
                           external_recipients=["UBND tỉnh Phú Thọ"],
                           paragraphs=("Thực hiện chỉ đạo của cấp trên, Ủy ban nhân dân phường Tích Sơn đề nghị các "
                                       "cơ quan, đơn vị triển khai thực hiện nội dung trên theo đúng quy định.",))
    pdf = draft_template_pdf(organisation_name=WARD, summary="Về việc tổ chức tiêm chủng mở rộng đợt 2 năm 2026",
                             doc_type=doc_type, details=details)

    result = check_pdf(pdf, Expectation(doc_type=doc_type, symbol=symbol, issuing_body=header_names(WARD),
                                        place=place_name(WARD)))

    assert result.findings == (), _explained(result.findings)
