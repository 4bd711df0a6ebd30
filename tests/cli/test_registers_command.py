"""`docflow registers export`, run in-process on the test database."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from docflow.commands.registers import registers
from docflow.models import AuditEvent, DocumentKind, Role
from tests.cli.inprocess import in_process
from tests.services.registers.test_registers import YEAR, at, issue_outgoing, pdf_text, register_incoming


@pytest.fixture
def invoke(app, db_session):
    """Run `docflow registers …` against the test app (its session joins the test's transaction)."""
    return in_process(app, registers)


def test_the_incoming_register_is_exported_to_csv_with_the_annex_iv_columns(invoke, tmp_path, db_session, org,
                                                                            make_user, make_document):
    clerk = make_user(Role.CLERK)
    register_incoming(db_session, org, make_document(clerk, summary="Về việc cấp sổ đỏ", issuing_body="Sở TNMT"),
                      received_at=at(3))
    out = tmp_path / "so-den.csv"

    result = invoke("export", "--register", "incoming", "--year", str(YEAR), "--format", "csv", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert "Wrote 1 entries" in result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert rows[0][0] == "Ngày đến" and rows[0][-1] == "Ghi chú"
    assert rows[1][:3] == ["03/03/2025", "01", "Sở TNMT"] and rows[1][5] == "Công văn: Về việc cấp sổ đỏ"
    event = db_session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert event.action == "register.exported" and event.actor_name == "system"
    assert event.details["format"] == "csv" and event.details["entries"] == 1


def test_the_outgoing_register_is_exported_to_a_printable_pdf(invoke, tmp_path, db_session, org, make_user,
                                                              make_document, make_department):
    office = make_department("Văn phòng", "VP")
    clerk, chairman = make_user(Role.CLERK, department=office), make_user(Role.LEADER, full_name="Trần Văn Minh")
    issue_outgoing(db_session, org, make_document(clerk, kind=DocumentKind.OUTGOING, department=office,
                                                  doc_type="ke_hoach", summary="Kế hoạch phòng chống bão lũ"),
                   issued_at=at(5), signer=chairman)
    out = tmp_path / "so-di.pdf"

    result = invoke("export", "--register", "outgoing", "--year", str(YEAR), "--format", "pdf", "--out", str(out))

    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in text and "Số, ký hiệu" in text and "01/KH-UBND" in text
    assert "phòng chống bão lũ" in text and "Trang 1/1" in text


def test_a_wrong_register_name_is_refused_with_the_choices(invoke, tmp_path):
    result = CliRunner().invoke(registers, ["export", "--register", "sent", "--year", "2025", "--format", "csv",
                                            "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and "incoming" in result.output and not (tmp_path / "x.csv").exists()


def test_r11_the_administrator_configures_a_series_on_the_command_line(invoke, db_session, org):
    assert invoke("series", "add", "mat", "--name", "Sổ văn bản mật", "--rule", "secret").exit_code == 0
    twice = invoke("series", "add", "mat2", "--name", "Lần nữa", "--rule", "secret")
    assert twice.exit_code == 1 and "Traceback" not in twice.output
    listing = invoke("series", "list").output
    assert "mat" in listing and "secret" in listing and "active" in listing
    assert invoke("series", "disable", "mat").exit_code == 0
    assert "inactive" in invoke("series", "list").output


def test_r16_the_clerk_closes_a_year_on_the_command_line(invoke, db_session, org, make_user, make_document,
                                                         issue_cert, monkeypatch):
    from docflow.signing.base import CertificateKind
    from tests.conftest import SIGNING_PIN
    clerk = make_user(Role.CLERK)
    issue_cert(None, CertificateKind.ORGANISATION)
    register_incoming(db_session, org, make_document(clerk, summary="Về việc cuối năm"), received_at=at(3))
    monkeypatch.setenv("CLOSE_PIN", SIGNING_PIN)
    result = invoke("close", "--register", "incoming", "--year", str(YEAR), "--user", clerk.username,
                    "--pin-env", "CLOSE_PIN")
    assert result.exit_code == 0, result.output
    assert f"Closed the {YEAR} incoming register: 1 entries" in result.output
    again = invoke("close", "--register", "incoming", "--year", str(YEAR), "--user", clerk.username,
                   "--pin-env", "CLOSE_PIN")
    assert again.exit_code == 1 and "Traceback" not in again.output
