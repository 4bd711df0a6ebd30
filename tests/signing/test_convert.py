"""Drafting from Word, the converter: real LibreOffice turns each Decree 30 template into PDF/A-2b (one run
per template per session, tests/wordconvert.py), the page is Annex I's, and docflow's fields land exactly
on its blank number and date lines and its empty signature block. The failure paths (no soffice, a
conversion that fails, hangs or does not give PDF/A) use a stand-in script, not LibreOffice."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from pypdf import PdfReader

from docflow.config import ConvertSettings
from docflow.convert import ConverterMissingError, SourceKind, convert_to_pdfa, pdfa_identification
from docflow.convert.draft import prepare_draft
from docflow.convert.placement import PAD
from docflow.convert.soffice import MSG_FAILED, MSG_MISSING, MSG_NOT_PDFA, MSG_TIMEOUT
from docflow.convert.templates import KINDS
from docflow.convert.templates import symbol as template_symbol
from docflow.errors import ValidationError
from docflow.formatcheck import BLOCKING_BY_DEFAULT, Expectation, check_pdf
from docflow.pdfcheck import check_pdf_bytes
from docflow.signing.fields import fill_fields, read_text_fields
from tests.conftest import pdf_bytes
from tests.wordconvert import TEST_WARD, ConvertedTemplate, fake_soffice, needs_soffice

MM = 72 / 25.4
ADDRESSED = {"cong_van", "to_trinh", "bao_cao"}


COLUMN_GAP = 40.0   # wider than the blanks of the number and date lines, narrower than the header's columns


def _lines(page: Any) -> list[dict[str, Any]]:
    """Text lines of a page with their characters, a line split where the header's two columns meet."""
    found = []
    for line in page.extract_text_lines(return_chars=True, x_tolerance=1.5):
        chars = [c for c in line["chars"] if c["text"].strip()]
        start = 0
        for i in range(1, len(chars) + 1):
            if i == len(chars) or chars[i]["x0"] - chars[i - 1]["x1"] > COLUMN_GAP:
                part = chars[start:i]
                text = "".join(c["text"] if j == 0 or c["x0"] - part[j - 1]["x1"] < 1 else " " + c["text"]
                               for j, c in enumerate(part))
                found.append({"text": text, "chars": part, "x0": part[0]["x0"], "x1": part[-1]["x1"],
                              "top": min(c["top"] for c in part), "bottom": max(c["bottom"] for c in part)})
                start = i
    return found


def _line(page: Any, starts: str) -> dict[str, Any]:
    found = [line for line in _lines(page) if line["text"].startswith(starts)]
    assert found, f"no line starting {starts!r} in {[l['text'] for l in _lines(page)]}"
    return found[0]


def _sizes(line: dict[str, Any]) -> set[float]:
    return {round(c["size"], 1) for c in line["chars"] if c["text"].strip()}


def _fonts(line: dict[str, Any]) -> set[str]:
    return {c["fontname"].split("+")[-1] for c in line["chars"] if c["text"].strip()}


@needs_soffice
def test_annex1_every_template_converts_to_pdfa_2b_that_passes_the_pdf_check(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    assert set(converted_templates) >= {"quyet_dinh", "cong_van", "thong_bao", "ke_hoach", "bao_cao", "to_trinh",
                                        "giay_moi"}
    for template in converted_templates.values():
        pdf = template.converted.pdf
        assert pdfa_identification(pdf) == ("2", "B"), template.code
        assert check_pdf_bytes(pdf).page_count == 1
        assert template.converted.seconds < 30


@needs_soffice
def test_annex1_template_page_is_a4_with_its_margins_and_liberation_serif_only(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    for template in converted_templates.values():
        with pdfplumber.open(io.BytesIO(template.converted.pdf)) as pdf:
            page = pdf.pages[0]
            assert (round(page.width / MM), round(page.height / MM)) == (210, 297)
            chars = [c for c in page.chars if c["text"].strip()]
            assert {c["fontname"].split("+")[-1].split("-")[0] for c in chars} == {"LiberationSerif"}
            assert 30 * MM <= min(c["x0"] for c in chars) <= 35 * MM, template.code           # left 30-35 mm
            assert max(c["x1"] for c in chars) <= page.width - 15 * MM, template.code         # right 15-20 mm
            assert 20 * MM <= min(c["top"] for c in chars) <= 25 * MM, template.code          # top 20-25 mm
            assert max(c["bottom"] for c in chars) <= page.height - 20 * MM, template.code


@needs_soffice
def test_annex1_header_rules_motto_as_long_as_the_motto_and_body_a_third_to_a_half(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    with pdfplumber.open(io.BytesIO(converted_templates["quyet_dinh"].converted.pdf)) as pdf:
        page = pdf.pages[0]
        motto, body = _line(page, "Độc lập - Tự do - Hạnh phúc"), _line(page, "PHƯỜNG THỬ NGHIỆM")
        rules = {(round(r["x0"], 1), round(r["x1"], 1), round(r["top"], 1)) for r in page.lines + page.rects}
        under_motto = [r for r in rules if 0 < r[2] - motto["bottom"] < 12 and r[0] > page.width / 2]
        under_body = [r for r in rules if 0 < r[2] - body["bottom"] < 12 and r[1] < page.width / 2]
        assert len(under_motto) == 1 and len(under_body) == 1
        x0, x1, _ = under_motto[0]
        assert abs(x0 - motto["x0"]) < 1 and abs(x1 - motto["x1"]) < 1
        x0, x1, _ = under_body[0]
        assert (body["x1"] - body["x0"]) / 3 <= x1 - x0 <= (body["x1"] - body["x0"]) / 2
        assert abs((x0 + x1) / 2 - (body["x0"] + body["x1"]) / 2) < 1


@needs_soffice
def test_annex1_sizes_and_styles_of_the_header_the_type_line_and_noi_nhan(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    for template in converted_templates.values():
        with pdfplumber.open(io.BytesIO(template.converted.pdf)) as pdf:
            page = pdf.pages[0]
            assert _sizes(_line(page, "ỦY BAN NHÂN DÂN")) <= {12.0, 13.0}
            assert _fonts(_line(page, "ỦY BAN NHÂN DÂN")) == {"LiberationSerif-Bold"}
            assert _sizes(_line(page, "Độc lập")) <= {13.0, 14.0}
            number = _line(page, "Số:")
            assert _sizes(number) == {13.0} and _fonts(number) == {"LiberationSerif"}
            date = [line for line in _lines(page) if "ngày" in line["text"] and "năm 2026" in line["text"]][0]
            assert _sizes(date) == {14.0} and _fonts(date) == {"LiberationSerif-Italic"}
            assert date["text"].startswith("Thử Nghiệm, ngày")
            recipients = _line(page, "Nơi nhận:")
            assert _sizes(recipients) == {12.0} and _fonts(recipients) == {"LiberationSerif-BoldItalic"}
            listed = [line for line in _lines(page) if line["text"].startswith("- ")]
            assert listed[-1]["text"] == "- Lưu: VT, VP." and all(_sizes(line) == {11.0} for line in listed)
            as_above = any(line["text"] == "- Như trên;" for line in listed)
            addressed = any(line["text"].startswith("Kính gửi:") for line in _lines(page))
            assert addressed == (template.code in ADDRESSED) and as_above == addressed, template.code


@needs_soffice
def test_annex1_type_line_or_vv_under_the_number_for_a_cong_van(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    titles = {"quyet_dinh": "QUYẾT ĐỊNH", "thong_bao": "THÔNG BÁO", "ke_hoach": "KẾ HOẠCH", "bao_cao": "BÁO CÁO",
              "to_trinh": "TỜ TRÌNH", "giay_moi": "GIẤY MỜI"}
    for code, template in converted_templates.items():
        with pdfplumber.open(io.BytesIO(template.converted.pdf)) as pdf:
            page = pdf.pages[0]
            number = _line(page, "Số:")
            texts = [line["text"] for line in _lines(page)]
            if code == "cong_van":
                vv = _line(page, "V/v")
                assert vv["top"] > number["bottom"] and vv["x1"] < page.width / 2 and _sizes(vv) == {12.0}
                assert number["text"].endswith("/UBND-VP")
                assert not any(t.isupper() and len(t) > 5 and "ỦY BAN" not in t and "CỘNG HÒA" not in t
                               and "PHƯỜNG" not in t for t in texts)
                continue
            title = _line(page, titles[code])
            assert _fonts(title) == {"LiberationSerif-Bold"} and _sizes(title) == {14.0}
            assert abs((title["x0"] + title["x1"]) / 2 - (30 * MM + page.width - 15 * MM) / 2) < 2
            assert title["top"] > number["bottom"]


def _widgets(pdf: bytes) -> dict[str, tuple[int, list[float]]]:
    reader = PdfReader(io.BytesIO(pdf))
    found = {}
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            widget = annot.get_object()
            if widget.get("/T") is not None:
                found[str(widget["/T"])] = (index, [float(v) for v in widget["/Rect"]])
    return found


@needs_soffice
def test_annex1_number_and_date_fields_lie_exactly_over_the_blank_lines(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    for template in converted_templates.values():
        prepared, _ = prepare_draft(template.converted.pdf, signer_field="personal_1")
        widgets = _widgets(prepared)
        with pdfplumber.open(io.BytesIO(template.converted.pdf)) as pdf:
            page = pdf.pages[0]
            height = float(page.height)
            number_chars = _line(page, "Số:")["chars"]
            date_chars = [line for line in _lines(page) if "ngày" in line["text"] and "năm" in line["text"]][0]["chars"]
        for name, chars in (("so_ky_hieu", number_chars), ("ngay_ban_hanh", date_chars)):
            index, (x0, y0, x1, y1) = widgets[name]
            assert index == 0
            expected = (min(c["x0"] for c in chars) - PAD, height - max(c["bottom"] for c in chars) - PAD,
                        max(c["x1"] for c in chars) + PAD, height - min(c["top"] for c in chars) + PAD)
            assert [round(v, 1) for v in (x0, y0, x1, y1)] == [round(v, 1) for v in expected], (template.code, name)
        assert read_text_fields(prepared) == read_text_fields(prepared) and \
            {n: f.value for n, f in read_text_fields(prepared).items()} == {"so_ky_hieu": "", "ngay_ban_hanh": ""}


@needs_soffice
def test_annex1_signature_field_covers_the_empty_block_beside_noi_nhan(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    for template in converted_templates.values():
        prepared, places = prepare_draft(template.converted.pdf, signer_field="personal_1")
        index, (x0, y0, x1, y1) = _widgets(prepared)["personal_1"]
        with pdfplumber.open(io.BytesIO(prepared)) as pdf:
            page = pdf.pages[index]
            recipients = _line(page, "Nơi nhận:")
            inside = [c for c in page.chars if c["text"].strip() and c["x1"] > x0 and c["x0"] < x1
                      and page.height - c["bottom"] < y1 and page.height - c["top"] > y0]
        assert inside == []
        assert x0 >= page.width / 2 - 1 and x1 <= page.width - 15 * MM
        assert abs((page.height - y1) - recipients["top"]) < 6
        assert y1 - y0 >= 140 and x1 - x0 >= 220       # three prefix/post lines, the signature, the name
        assert places.signature.page == index


@needs_soffice
def test_annex1_filled_fields_print_the_whole_number_and_date_lines(
        converted_templates: dict[str, ConvertedTemplate]) -> None:
    prepared, _ = prepare_draft(converted_templates["quyet_dinh"].converted.pdf, signer_field="personal_1")
    values = {"so_ky_hieu": "Số: 15/QĐ-UBND", "ngay_ban_hanh": "Thử Nghiệm, ngày 05 tháng 12 năm 2026"}
    filled = fill_fields(prepared, values)
    assert {n: f.value for n, f in read_text_fields(filled).items()} == values
    assert filled.startswith(prepared)            # an incremental update: the draft's bytes are kept
    assert pdfa_identification(filled) == ("2", "B")


@needs_soffice
@pytest.mark.parametrize("code", sorted(KINDS))
def test_annex1_each_word_template_passes_the_format_check_as_drafted_and_numbered(
        code: str, converted_templates: dict[str, ConvertedTemplate]) -> None:
    kind = KINDS[code]
    expect = Expectation(doc_type=code, symbol=template_symbol(kind, TEST_WARD),
                         issuing_body=(TEST_WARD.body, TEST_WARD.name), place=TEST_WARD.place)
    prepared, _ = prepare_draft(converted_templates[code].converted.pdf, signer_field="personal_1")
    numbered = fill_fields(prepared, {"so_ky_hieu": f"Số: 05/{template_symbol(kind, TEST_WARD)}",
                                      "ngay_ban_hanh": "Thử Nghiệm, ngày 05 tháng 12 năm 2026"})
    for stage, pdf in (("converted", converted_templates[code].converted.pdf), ("draft", prepared),
                       ("numbered", numbered)):
        findings = check_pdf(pdf, expect).findings
        # Decree 30's default policy blocks nothing here, and nothing even warns
        assert not [f for f in findings if f.code in BLOCKING_BY_DEFAULT], (stage, findings)
        assert findings == (), (stage, findings)


def _odt(text: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
            'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
            f'<office:body><office:text><text:p>{text}</text:p></office:text></office:body>'
            '</office:document-content>'))
        archive.writestr("META-INF/manifest.xml", (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>'))
    return out.getvalue()


@needs_soffice
def test_an_odt_converts_to_pdfa_2b_too() -> None:
    converted = convert_to_pdfa(_odt("Ủy ban nhân dân phường Thử Nghiệm"), SourceKind.ODT)
    assert pdfa_identification(converted.pdf) == ("2", "B")
    with pdfplumber.open(io.BytesIO(converted.pdf)) as pdf:
        assert "Ủy ban nhân dân phường Thử Nghiệm" in pdf.pages[0].extract_text()


def test_no_soffice_is_a_clear_configuration_message(tmp_path: Path) -> None:
    with pytest.raises(ConverterMissingError) as caught:
        convert_to_pdfa(b"PK", SourceKind.DOCX, ConvertSettings(soffice_path=tmp_path / "soffice"))
    assert caught.value.message == MSG_MISSING and caught.value.params == {"path": str(tmp_path / "soffice")}


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs, waiting up to two seconds for a SIGKILL to land."""
    for _ in range(20):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False
        if "\nState:\tZ" in status:
            return False
        time.sleep(0.1)
    return True


def test_a_conversion_past_its_time_limit_is_ended_with_its_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    soffice = fake_soffice(tmp_path, f"sleep 60 &\necho $! > {pidfile}\nwait")
    with pytest.raises(ValidationError) as caught:
        convert_to_pdfa(b"PK", SourceKind.DOCX, ConvertSettings(soffice_path=soffice, timeout_seconds=1))
    assert caught.value.message == MSG_TIMEOUT and caught.value.params == {"seconds": 1}
    assert not _alive(int(pidfile.read_text()))


@pytest.mark.parametrize("body", ["exit 0", "exit 1", 'mkdir -p "$PWD/out"; : > "$PWD/out/draft.pdf"'])
def test_a_conversion_that_gives_no_pdf_is_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(ValidationError) as caught:
        convert_to_pdfa(b"PK", SourceKind.DOCX, ConvertSettings(soffice_path=fake_soffice(tmp_path, body)))
    assert caught.value.message == MSG_FAILED


def test_a_pdf_that_is_not_pdfa_2b_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(pdf_bytes("not PDF/A"))
    soffice = fake_soffice(tmp_path, f'mkdir -p "$PWD/out"; cp {plain} "$PWD/out/draft.pdf"')
    with pytest.raises(ValidationError) as caught:
        convert_to_pdfa(b"PK", SourceKind.DOCX, ConvertSettings(soffice_path=soffice))
    assert caught.value.message == MSG_NOT_PDFA
    assert os.path.exists(plain)
