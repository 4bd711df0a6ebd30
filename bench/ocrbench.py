"""The OCR benchmark itself (`make bench-ocr` runs it through bench/ocr.py): docflow's pipeline against bare
`tesseract` on the same pages.

A scanned document (image-only pages of dense Vietnamese administrative text, in Liberation Serif, scanned at
200 dpi) is uploaded through ``documents.upload_document``: its pages are queued. Then, round by round:

* docflow: ``textindex.run_pending`` drains the queue as the background worker does — for each page, claim
  the task (a committed transaction), render the page at 300 dpi in the limited child process (pypdfium2),
  run tesseract ``-l vie``, store the text in page_texts (a second transaction); the next page is claimed and
  rendered while tesseract reads the current one;
* bare: the same ``tesseract IMAGE stdout -l vie`` command, same environment (one OpenMP thread), on each
  page image docflow's renderer wrote once before timing, one after the other: tesseract's own work only.

First page by page (``textindex.work_one``: one page, no overlap with the next) against tesseract on the same
page, the two alternating which goes first (ABBA), so the load of other work on the machine falls on both
alike: the target is judged on these totals. Then the whole document twice each way (``run_pending``, with
the next page rendered while tesseract reads the current one), for the worker's real throughput. Each round
puts the document's tasks back in the queue. Target (issue 13, section 1):
docflow's total time within 1.2x of bare tesseract's. Writes bench/OCR.md (or ``--out``).
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update

from bench.databases import create_database, machine_facts
from docflow import appctx, db
from docflow.config import OcrSettings
from docflow.models import DocumentKind, OcrStatus, OcrTask, PageText, User
from docflow.ocr import render_page
from docflow.ocr.recognise import tesseract_command, tesseract_environment
from docflow.services import documents as doc_service
from docflow.services import textindex
from docflow.services.demo import seed_demo
from docflow.storage import DocumentStore
from tests.conftest import make_test_app
from tests.ocrpdfs import image_pdf

TARGET_RATIO = 1.2
PARAGRAPH = ("Căn cứ Luật Tổ chức chính quyền địa phương và Luật Đất đai, Ủy ban nhân dân phường tổ chức kiểm tra "
             "thực địa đất đai tại tổ dân phố số {n}. Đoàn kiểm tra gồm đại diện bộ phận địa chính, tư pháp và "
             "văn phòng; hộ gia đình có liên quan được mời tham dự, ký biên bản và cung cấp giấy tờ về quyền sử "
             "dụng đất. Kết quả kiểm tra được báo cáo Chủ tịch Ủy ban nhân dân phường trước ngày {n} tháng 12.")


@dataclass
class Run:
    database: str
    docflow: list[float] = field(default_factory=list)        # page by page (work_one), ABBA with bare
    bare: list[float] = field(default_factory=list)
    batch_docflow: list[float] = field(default_factory=list)  # the whole document (run_pending, overlapped)
    batch_bare: list[float] = field(default_factory=list)
    characters: list[int] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return sum(self.docflow) / sum(self.bare)

    @property
    def batch_ratio(self) -> float:
        return sum(self.batch_docflow) / sum(self.batch_bare)


def scanned_document(pages: int) -> bytes:
    return image_pdf(["\n".join(PARAGRAPH.format(n=n + k) for k in range(1, 4)) for n in range(1, pages + 1)])


def bare_tesseract(image: Path, settings: OcrSettings) -> float:
    start = time.perf_counter()
    subprocess.run(tesseract_command(image, language=settings.language), capture_output=True, check=True,
                   timeout=settings.timeout_seconds, env=tesseract_environment())
    return time.perf_counter() - start


def docflow_page(settings: OcrSettings, store: DocumentStore) -> float:
    start = time.perf_counter()
    if not textindex.work_one(db.transaction, store=store, settings=settings, worker="bench"):
        raise RuntimeError("no queued page: the bench lost track of its tasks")
    return time.perf_counter() - start


def docflow_pages(settings: OcrSettings, store: DocumentStore, pages: int) -> float:
    start = time.perf_counter()
    if textindex.run_pending(db.transaction, store=store, settings=settings, worker="bench") != pages:
        raise RuntimeError("the queue did not hold the document's pages: the bench lost track of its tasks")
    return time.perf_counter() - start


def bare_pages(images: list[Path], settings: OcrSettings) -> float:
    return sum(bare_tesseract(image, settings) for image in images)


def measure(kind: str, content: bytes, pages: int, rounds: int, settings: OcrSettings) -> Run:
    database = create_database(kind, "ocr")
    app = make_test_app(database.url, database.data_dir)
    run = Run(kind)
    try:
        with app.app_context():
            document_id = upload(content)
            images = render_once(app.extensions["docflow.store"], document_id, pages, settings)
            store = app.extensions["docflow.store"]
            for round_no in range(rounds):
                requeue(document_id)
                for page in range(pages):
                    pair = [("docflow", lambda: docflow_page(settings, store)),
                            ("bare", lambda p=page: bare_tesseract(images[p], settings))]
                    for name, timed in pair if (page + round_no) % 2 == 0 else reversed(pair):
                        getattr(run, name).append(timed())
            for round_no in range(2):
                requeue(document_id)
                batch = [("batch_docflow", lambda: docflow_pages(settings, store, pages)),
                         ("batch_bare", lambda: bare_pages(images, settings))]
                for name, timed in batch if round_no % 2 == 0 else reversed(batch):
                    getattr(run, name).append(timed())
            run.characters = [len(body) for body in db.get_session().execute(
                select(PageText.body).where(PageText.document_id == document_id)).scalars()]
    finally:
        app.extensions["docflow.engine"].dispose()
        database.drop()
    return run


def upload(content: bytes) -> int:
    with db.transaction() as s:
        seed_demo(s, organisation_name="UBND phường Tích Sơn")
    with db.transaction() as s:
        clerk = s.execute(select(User).where(User.username == "vanthu")).scalar_one()
        document = doc_service.upload_document(
            s, actor=clerk, store=appctx.store(), max_bytes=50 * 1024 * 1024,
            data=doc_service.DocumentInput(kind=DocumentKind.INTERNAL, doc_type="cong_van", department_id=None,
                                           summary="Biên bản kiểm tra thực địa (bản quét)"),
            upload=doc_service.UploadedFile(io.BytesIO(content), "ban-quet.pdf"))
        return document.id


def render_once(store: DocumentStore, document_id: int, pages: int, settings: OcrSettings) -> list[Path]:
    """Each page as docflow's renderer draws it for tesseract, kept for the bare runs."""
    folder = Path(tempfile.mkdtemp(prefix="docflow-bench-ocr-"))
    session = db.get_session()
    version = doc_service.get_document(session, document_id).current_version
    images = []
    for page in range(1, pages + 1):
        images.append(folder / f"page-{page}.pgm")
        render_page(store.path_for(version.sha256), page, images[-1], dpi=settings.dpi)
    session.rollback()
    return images


def requeue(document_id: int) -> None:
    with db.transaction() as s:
        s.execute(update(OcrTask).where(OcrTask.document_id == document_id)
                  .values(status=OcrStatus.QUEUED, attempts=0, claimed_by=None, claimed_at=None, finished_at=None))


def report(runs: list[Run], *, pages: int, rounds: int, started: datetime, took: float) -> str:
    facts = machine_facts()
    load = os.getloadavg()
    lines = [
        "# docflow OCR benchmark: the background pipeline against bare tesseract", "",
        f"Generated by `make bench-ocr` (`python -m bench.ocr`) on {started:%Y-%m-%d %H:%M} UTC; the run took "
        f"{took / 60:.1f} min. Data: one scanned A4 document of {pages} image-only pages (dense Vietnamese "
        f"administrative text, Liberation Serif 18 pt, scanned at 200 dpi), read {rounds} times per database "
        f"({pages * rounds} pages each way).", "",
        f"Machine: nproc {facts['nproc']}, cpu {facts['cpu']}, ram {facts['ram']}, python {facts['python']}, "
        f"sqlite {facts['sqlite']}, postgresql {facts['postgresql']}; tesseract "
        f"{tesseract_version()}. Load average at the end: {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}.", "",
        "> Other engineers' test suites shared the 2 cores during the run: docflow's page and the bare page run "
        "back to back in alternating order (ABBA), so the noise falls on both; the ratio is the figure to read.", "",
        "docflow = `textindex.work_one`, one page of the background worker: claim (a committed transaction) + "
        "render at 300 dpi in the limited child process + `tesseract -l vie` + store in page_texts (a second "
        "transaction). bare = the same tesseract command on the image docflow rendered (rendered once, before "
        "timing). Both with OMP_THREAD_LIMIT=1.", "",
        f"## Target (issue 13, section 1): docflow within {TARGET_RATIO}× of bare tesseract", "",
        "| database | pages (each way) | docflow total | bare total | docflow / page | bare / page | "
        "ratio (totals) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    read = pages * rounds
    for run in runs:
        met = "✅ met" if run.ratio <= TARGET_RATIO else "❌ missed"
        lines.append(f"| {run.database} | {read} | {sum(run.docflow):.1f} s | {sum(run.bare):.1f} s | "
                     f"{sum(run.docflow) / read:.2f} s | {sum(run.bare) / read:.2f} s | {run.ratio:.3f}× | {met} |")
    lines += ["", "Page by page (docflow / bare, s): " + "; ".join(
        f"{run.database} " + ", ".join(f"{a:.1f}/{b:.1f}" for a, b in zip(run.docflow, run.bare)) for run in runs)
        + ".", "", "## The worker's loop over the whole document (next page rendered during OCR)", "",
        "| database | document read (each way) | docflow (`run_pending`) | bare (one page after another) | ratio |",
        "|---|---|---|---|---|"]
    lines += [f"| {run.database} | 2 × {pages} pages | {' + '.join(f'{t:.1f}' for t in run.batch_docflow)} s | "
              f"{' + '.join(f'{t:.1f}' for t in run.batch_bare)} s | {run.batch_ratio:.3f}× |" for run in runs]
    lines += ["", "Two blocks each way of 15–30 s on a shared, loaded machine: these totals are far noisier than the "
              "page-by-page pairs above, which carry the target. The overlap pays only where a core is idle while "
              "tesseract runs (a ward's server between uploads); on a saturated machine the render's cost shows.",
              "", "Throughput: " + "; ".join(
        f"{run.database} {3600 * 2 * pages / sum(run.batch_docflow):.0f} pages/hour per worker "
        f"(bare {3600 * 2 * pages / sum(run.batch_bare):.0f})" for run in runs) + ".", "",
        "Characters read per page (last round): " + "; ".join(
            f"{run.database} {min(run.characters)}–{max(run.characters)}" for run in runs if run.characters) + ".",
        "", "How to run: `make bench-ocr` (both databases), or `.venv/bin/python -m bench.ocr --db "
        "sqlite|postgresql|both [--pages N] [--rounds N] [--out FILE]`.", ""]
    return "\n".join(lines)


def tesseract_version() -> str:
    done = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0].replace("tesseract ", "") if done.returncode == 0 else "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("OCR.md"))
    parser.description = "OCR throughput of docflow's pipeline against bare tesseract on the same pages."
    args = parser.parse_args(argv)
    started, clock = datetime.now(UTC), time.perf_counter()
    settings = OcrSettings()
    content = scanned_document(args.pages)
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    runs = []
    for kind in kinds:
        runs.append(measure(kind, content, args.pages, args.rounds, settings))
        print(f"{kind}: docflow {sum(runs[-1].docflow):.1f} s, bare {sum(runs[-1].bare):.1f} s, "
              f"ratio {runs[-1].ratio:.3f}; whole document {runs[-1].batch_ratio:.3f}", file=sys.stderr)
    args.out.write_text(report(runs, pages=args.pages, rounds=args.rounds, started=started,
                               took=time.perf_counter() - clock), encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0 if all(run.ratio <= TARGET_RATIO for run in runs) else 1

