"""Issue 13: download names say what the file is, in ASCII for every browser and exactly (RFC 5987)."""

from __future__ import annotations

from datetime import date

from docflow.web.downloads import ascii_name, content_disposition, file_name


def test_a_name_is_number_symbol_date_and_what_the_file_is():
    assert file_name("03/UBND-VP", date(2026, 12, 6), "v4", fallback="x") == "03-UBND-VP_2026-12-06_v4.pdf"
    assert file_name(None, date(2026, 12, 6), "v1", fallback="van-ban-13") == "van-ban-13_2026-12-06_v1.pdf"
    assert file_name("15/QĐ-UBND", date(2026, 1, 2), "phụ lục 1", "a/b\r\nc", fallback="x", ext="docx") \
        == "15-QĐ-UBND_2026-01-02_phụ-lục-1_a-b-c.docx"


def test_the_header_has_an_ascii_name_and_the_exact_one_only_when_they_differ():
    assert content_disposition("03-UBND-VP_2026-12-06_v4.pdf") == 'attachment; filename="03-UBND-VP_2026-12-06_v4.pdf"'
    header = content_disposition("15-QĐ-UBND_2026-01-02_v1.pdf", inline=True)
    assert header == ("inline; filename=\"15-QD-UBND_2026-01-02_v1.pdf\"; "
                      "filename*=UTF-8''15-Q%C4%90-UBND_2026-01-02_v1.pdf")
    assert ascii_name('Quyết định "số" 5.pdf') == "Quyet-dinh-so-5.pdf"
