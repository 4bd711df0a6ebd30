"""`docflow import` at growing sizes: `make bench-import` (results: bench/IMPORT.md).

    .venv/bin/python -m bench.importing [--db sqlite|postgresql|both] [--sizes 10000,20000] [--out bench/IMPORT.md]

Per database and size: a fresh migrated database with one ward, its clerk and the file plans of two years;
a folder of ``size`` small distinct one-page PDFs (each with its own text line, so the text layer is read) and
its index (a third each incoming, outgoing, internal; two years; four file codes). Then, each as its own
process under GNU time (wall time, peak resident memory):

- ``docflow import FOLDER --user CLERK``: the CSV streamed, every PDF through the upload check in the limited
  child process, stored, its text indexed, verified, registered under its own number, filed and audited,
  batches of 200 rows per transaction;
- the bare work: pypdf opening each PDF (page count and text of its page) and one INSERT of its row, commits
  every 200 rows, with the database's own driver.

Flat memory means the peak stays about the same as the folder grows.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import dataset
from tests.testpki import assemble_pdf
from bench.backup import DOCFLOW, Run, log, measured, write_config
from bench.databases import create_database, machine_facts
from docflow import PROJECT_ROOT, db
from docflow.models import Department, Role, User
from docflow.services import records
from docflow.services.people import ensure_organisation

YEARS, CODES = (2023, 2024), ("01.VP", "02.VX", "03.ĐC", "04.CA")
KINDS = ("incoming", "outgoing", "internal")
HEADER = ("kind", "type", "year", "number", "symbol", "document_date", "arrival_date", "arrival_number",
          "issuing_body", "summary", "signer", "file_name", "file_code")


def tiny_pdf(n: int) -> bytes:
    """A valid one-page PDF whose text line (and so whose bytes) is its own."""
    text = f"BT /F1 12 Tf 72 770 Td (Van ban so {n} cua he thong cu) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
               b"/Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    return assemble_pdf(objects, file_id=None)


def write_folder(folder: Path, size: int) -> None:
    """``size`` PDFs in sub-folders of 1,000 and the index naming them."""
    counters = {(kind, year): 0 for kind in KINDS for year in YEARS}
    with (folder / "index.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n in range(size):
            kind, year = KINDS[n % 3], YEARS[(n // 3) % 2]
            counters[kind, year] += 1
            number = counters[kind, year]
            name = f"{n // 1000:03d}/{kind}-{year}-{number}.pdf"
            path = folder / name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(tiny_pdf(n))
            day = f"{1 + n % 28:02d}/{1 + n % 12:02d}/{year}"
            incoming = kind == "incoming"
            writer.writerow([kind, "cong_van", year, str(n % 900 + 1) if incoming else number, "UBND-VP", day,
                             f"{day} 09:00" if incoming else "", number if incoming else "",
                             "UBND quận Cũ" if incoming else "", f"Về việc số {n} của hệ thống cũ",
                             "" if incoming else "Nguyễn Văn An", name, CODES[n % len(CODES)]])


def prepare_ward(app: object) -> str:
    """The ward, a department, its clerk and the two years' plans with the file codes; the clerk's name."""
    with app.app_context(), db.transaction() as s:  # type: ignore[attr-defined]
        org = ensure_organisation(s, name="UBND phường Nhập Liệu")
        department = Department(organisation=org, name="Văn phòng", code="VP")
        clerk = User(organisation=org, username="vanthu", full_name="Văn thư", role=Role.CLERK, post="",
                     department=department, password_hash="x", is_active=True)
        s.add_all([department, clerk])
        s.flush()
        for year in YEARS:
            heading = records.add_heading(s, actor=clerk, year=year, title="Hồ sơ", department_id=None)
            for code in CODES:
                records.add_file_entry(s, actor=clerk, heading_id=heading.id, data=records.EntryInput(
                    code=code, title=f"Hồ sơ {code}", retention_years=10, responsible_id=None))
    return "vanthu"


BARE = r"""
import csv, sys
from pathlib import Path
from pypdf import PdfReader
kind, url, folder = sys.argv[1], sys.argv[2], Path(sys.argv[3])
if kind == "sqlite":
    import sqlite3
    conn = sqlite3.connect(url.removeprefix("sqlite:///")); mark = "?"
else:
    import psycopg
    conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql")); mark = "%s"
conn.execute("CREATE TABLE bare_import (id INTEGER PRIMARY KEY, kind TEXT, year INTEGER, number INTEGER, "
             "summary TEXT, pages INTEGER, text TEXT, file TEXT)")
with (folder / "index.csv").open(encoding="utf-8", newline="") as fh:
    for n, row in enumerate(csv.DictReader(fh), start=1):
        reader = PdfReader(folder / row["file_name"])
        text = reader.pages[0].extract_text()
        conn.execute(f"INSERT INTO bare_import (kind, year, number, summary, pages, text, file) VALUES "
                     f"({mark}, {mark}, {mark}, {mark}, {mark}, {mark}, {mark})",
                     (row["kind"], int(row["year"]), int(row["number"]), row["summary"], len(reader.pages), text,
                      row["file_name"]))
        if n % 200 == 0:
            conn.commit()
conn.commit()
"""


@dataclass
class Row:
    kind: str
    documents: int
    runs: dict[str, Run]


def bench(kind: str, size: int, workdir: Path) -> Row:
    database = create_database(kind, "import")
    try:
        log(f"[{kind} {size:,} documents] preparing the ward and the folder")
        app = dataset.build_app(database)
        clerk = prepare_ward(app)
        app.extensions["docflow.engine"].dispose()
        folder = workdir / f"{kind}-{size}"
        folder.mkdir()
        write_folder(folder, size)
        config = write_config(database)
        log("  docflow import")
        runs = {"docflow import": measured([DOCFLOW, "import", str(folder), "--user", clerk],
                                           {"DOCFLOW_CONFIG": str(config)})}
        log("  bare: pypdf + one INSERT per row")
        runs["bare"] = measured([sys.executable, "-c", BARE, kind, database.url, str(folder)])
        runs["docflow import again (every row already imported)"] = measured(
            [DOCFLOW, "import", str(folder), "--user", clerk], {"DOCFLOW_CONFIG": str(config)})
        return Row(kind, size, runs)
    finally:
        database.drop()


def markdown(rows: list[Row], facts: dict[str, str], total: float, command: str) -> str:
    lines = ["# `docflow import` at growing sizes", "",
             f"`{command}`, {time.strftime('%Y-%m-%d')}, {total / 60:.1f} min. Machine: "
             + ", ".join(f"{k} {v}" for k, v in facts.items()) + ".", "",
             "Each command runs as its own process under GNU time; time is wall-clock, memory is the process's "
             "peak resident set (%M, including the interpreter and docflow's imports; the PDF check's child "
             "processes are not counted in it, and each is limited by `uploads.parse_memory_mb`).", "",
             "| database | documents | step | seconds | ms per document | peak MiB | ratio to bare |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for row in rows:
        bare = row.runs["bare"]
        for step, run in row.runs.items():
            lines.append(f"| {row.kind} | {row.documents:,} | {step} | {run.seconds:.1f} | "
                         f"{1000 * run.seconds / row.documents:.1f} | {run.peak_mib:.0f} | "
                         f"{run.seconds / bare.seconds:.1f}x |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.importing", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--sizes", default="10000,20000")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "IMPORT.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="docflow-bench-import-") as work:
        for kind in kinds:
            for size in (int(s) for s in args.sizes.split(",")):
                rows.append(bench(kind, size, Path(work)))
                log(markdown(rows[-1:], {}, 0, "")[-400:])
    command = "python -m bench.importing " + " ".join(argv if argv is not None else sys.argv[1:])
    args.out.write_text(markdown(rows, machine_facts(), time.perf_counter() - started, command.strip()),
                        encoding="utf-8")
    log(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
