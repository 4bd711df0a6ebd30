"""What a file shows and prints: its documents in chronological order (R48) with the columns of the table of
contents (mục lục văn bản: STT · Số, ký hiệu văn bản · Ngày tháng văn bản · Tác giả văn bản · Trích yếu nội dung
văn bản · Tờ số/Trang số · Ghi chú) and its cover (bìa hồ sơ). A document the reader may not view keeps its row
and number, with its trích yếu withheld, as the registers do for confidential documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from docflow import policy
from docflow.models import Document, DocumentKind, DocumentVersion, FileDocument, FileStatus, RecordFile, User
from docflow.services.records.common import get_file, require_reader, retention_label
from docflow.services.records.files import document_day

CONTENTS_HEADINGS = (("STT", 10), ("Số, ký hiệu văn bản", 34), ("Ngày tháng văn bản", 24), ("Tác giả văn bản", 45),
                     ("Trích yếu nội dung văn bản", 100), ("Tờ số/Trang số", 22), ("Ghi chú", 42))
WITHHELD_VI = "(Văn bản ngoài quyền xem của người in: trích yếu không hiển thị)"
STATUS_VI = {FileStatus.PLANNED: "Chưa mở", FileStatus.OPEN: "Đang mở", FileStatus.CLOSED: "Đã đóng",
             FileStatus.DESTROYED: "Đã hủy"}


@dataclass(frozen=True)
class FileRow:
    """One document of a file, in the file's order: its place, whether the reader sees it, the home flag, its
    first and last page in the file and the table-of-contents cells."""
    entry: FileDocument
    ordinal: int
    visible: bool
    first_page: int
    last_page: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Cover:
    """The cover of a file (bìa hồ sơ)."""
    organisation: str
    department: str
    year: int
    code: str
    title: str
    start: date | None
    end: date | None
    retention: str
    documents: int
    pages: int


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def author(document: Document, organisation: str) -> str:
    """Tác giả văn bản: the issuing body of a received document; the ward for its own."""
    if document.kind is DocumentKind.INCOMING and document.issuing_body:
        return document.issuing_body
    return organisation


def page_count(document: Document) -> int:
    version = document.current_version
    return version.page_count if version is not None else 0


def _entries(session: Session, record: RecordFile, tz: tzinfo) -> list[FileDocument]:
    entries = session.execute(select(FileDocument).where(FileDocument.file_id == record.id).options(
        selectinload(FileDocument.document).selectinload(Document.versions).load_only(DocumentVersion.page_count,
                                                                                      DocumentVersion.number)))
    return sorted(entries.scalars(), key=lambda e: (document_day(e.document, tz), e.ordinal))


def file_rows(session: Session, *, actor: User | None, record: RecordFile, tz: tzinfo,
              organisation: str) -> list[FileRow]:
    """The file's documents in chronological order with their table-of-contents cells; ``actor`` None reads as
    the system (the command line). Reads only."""
    rows, page = [], 0
    entries = _entries(session, record, tz)
    viewable = None if actor is None else set(session.execute(select(Document.id).where(
        Document.id.in_([e.document_id for e in entries]), policy.visible_filter(actor))).scalars())
    for ordinal, entry in enumerate(entries, start=1):
        document = entry.document
        visible = viewable is None or document.id in viewable   # one query for the file, not one per row
        pages = page_count(document)
        first, page = page + 1, page + pages
        note = "" if entry.is_home else "Tham chiếu (bản chính thuộc hồ sơ khác)"
        if document.is_confidential:
            note = "; ".join(n for n in ("Văn bản mật", note) if n)
        cells = (str(ordinal), document.number_symbol or "", _d(document_day(document, tz)),
                 author(document, organisation), document.summary if visible else WITHHELD_VI,
                 f"{first}–{page}" if pages else "", note)
        rows.append(FileRow(entry, ordinal, visible, first, page, cells))
    return rows


def file_page(session: Session, *, actor: User, file_id: int, tz: tzinfo) -> tuple[RecordFile, list[FileRow]]:
    """A file of the ward and its rows, for a reader of the records. Raises PermissionDeniedError,
    NotFoundError. Reads only."""
    require_reader(actor)
    record = get_file(session, actor=actor, file_id=file_id)
    return record, file_rows(session, actor=actor, record=record, tz=tz, organisation=actor.organisation.name)


def cover(record: RecordFile, rows: list[FileRow], *, organisation: str, tz: tzinfo) -> Cover:
    """The cover's fields: the ward, the heading's department, the code, title, dates, retention and counts."""
    department = record.heading.department.name if record.heading.department is not None else ""
    first, last = span(rows, tz)
    return Cover(organisation=organisation, department=department, year=record.heading.plan.year,
                 code=record.code, title=record.title, start=record.start_date or first,
                 end=record.end_date or last, retention=retention_label(record.retention_years),
                 documents=len(rows), pages=rows[-1].last_page if rows else 0)


def span(rows: list[FileRow], tz: tzinfo) -> tuple[date | None, date | None]:
    """An open file's first and last day: its rows' document days (the document's date, else its issue,
    receipt or creation day on the ward's clock), as closing the file will fix them; the rows are in that
    order. The cover and the R57 metadata both read it."""
    if not rows:
        return None, None
    return document_day(rows[0].entry.document, tz), document_day(rows[-1].entry.document, tz)


@dataclass(frozen=True)
class DocumentPanel:
    """A document's files for its page: those holding it (its home first, with the home flag) and the open
    files the user keeps that do not hold it yet."""
    files: list[tuple[RecordFile, bool]]
    open_files: list[RecordFile]


def document_panel(session: Session, *, actor: User, document: Document) -> DocumentPanel:
    """The records panel of a document's page, read in one query (the page's query budget). Reads only."""
    if not policy.may_read_records(actor):
        return DocumentPanel([], [])
    link = aliased(FileDocument)
    rows = session.execute(select(RecordFile, link.is_home).outerjoin(
        link, and_(link.file_id == RecordFile.id, link.document_id == document.id))
        .where(RecordFile.organisation_id == actor.organisation_id,
               or_(link.id.is_not(None), RecordFile.status == FileStatus.OPEN))
        .options(joinedload(RecordFile.heading)).order_by(RecordFile.code)).all()
    holding = sorted(((f, bool(home)) for f, home in rows if home is not None), key=lambda r: not r[1])
    viewable = policy.can_view(actor, document)   # once for the page, not once per open file of the ward
    addable = [f for f, home in rows if home is None and viewable
               and policy.may_keep_file(actor, department_id=f.heading.department_id, responsible_id=f.responsible_id)]
    return DocumentPanel(holding, addable)
