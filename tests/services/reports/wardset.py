"""A hand-built ward for the figures (issue 13, §2): three departments (Tư pháp and Địa chính with work,
Văn hóa with none), incoming work with deadlines and completion times, issued documents of several types and
their signing steps, plus rows that must not count (co-handlers, a handler's hand-over, cancelled work, an
internal memo, another ward, 2025). Times are UTC; the ward's clock is UTC+7 (Asia/Ho_Chi_Minh).

Each test computes the expected figures by hand from the comments below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

from docflow.models import (
    Assignment, AssignmentRole, AssignmentStatus, Department, Document, DocumentKind, DocumentStatus, Organisation,
    Role, RoutingStep, StepKind, StepStatus, User,
)

TODAY = date(2026, 3, 16)      # a Monday: overdue up to Friday 13/03, at risk up to Tuesday 17/03
_numbers = count(1)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


@dataclass
class Ward:
    org: Organisation
    tp: Department          # Tư pháp
    dc: Department          # Địa chính
    vh: Department          # Văn hóa: no work at all
    leader: User
    auditor: User
    clerk: User
    admin: User
    head_tp: User
    head_dc: User
    official_tp: User
    official_dc: User
    other_org: Organisation


def _doc(s: Any, ward_org: Organisation, author: User, *, kind: DocumentKind = DocumentKind.INCOMING,
         department: Department | None = None, doc_type: str = "cong_van", received: datetime | None = None,
         issued: datetime | None = None, registered: bool = True) -> Document:
    status = DocumentStatus.ISSUED if issued else DocumentStatus.IN_PROGRESS
    doc = Document(organisation_id=ward_org.id, department_id=department.id if department else None, kind=kind,
                   doc_type=doc_type, summary="Về việc thử nghiệm số liệu", status=status, created_by_id=author.id,
                   received_at=received, issued_at=issued,
                   register_number=next(_numbers) if kind is DocumentKind.INCOMING and registered else None,
                   created_at=received or issued or utc(2026, 1, 2))
    s.add(doc)
    s.flush()
    return doc


def _work(s: Any, doc: Document, by: User, *, department: Department | None, deadline: date | None,
          completed: datetime | None = None, status: AssignmentStatus | None = None,
          role: AssignmentRole = AssignmentRole.LEAD, assignee: User | None = None,
          parent: Assignment | None = None) -> Assignment:
    work = Assignment(document_id=doc.id, department_id=department.id if department else None,
                      assignee_id=assignee.id if assignee else None, role=role, deadline=deadline,
                      status=status or (AssignmentStatus.COMPLETED if completed else AssignmentStatus.OPEN),
                      assigned_by_id=by.id, assigned_at=doc.received_at or utc(2026, 1, 2), completed_at=completed,
                      parent_id=parent.id if parent else None)
    s.add(work)
    s.flush()
    return work


def _steps(s: Any, doc: Document, *steps: tuple[int, int, StepKind, StepStatus, datetime | None]) -> None:
    for round_, position, kind, status, decided in steps:
        s.add(RoutingStep(document_id=doc.id, round=round_, position=position, kind=kind, status=status,
                          decided_at=decided))
    s.flush()


def build_ward(s: Any, org: Organisation, make_department: Any, make_user: Any) -> Ward:
    tp, dc, vh = make_department("Tư pháp", "TP"), make_department("Địa chính", "DC"), make_department("Văn hóa", "VH")
    w = Ward(org=org, tp=tp, dc=dc, vh=vh, leader=make_user(Role.LEADER), auditor=make_user(Role.AUDITOR),
             clerk=make_user(Role.CLERK, department=tp), admin=make_user(Role.ADMIN, department=tp),
             head_tp=make_user(Role.HEAD, department=tp), head_dc=make_user(Role.HEAD, department=dc),
             official_tp=make_user(Role.OFFICIAL, department=tp), official_dc=make_user(Role.OFFICIAL, department=dc),
             other_org=Organisation(name="UBND phường Bên Cạnh", code="UBNDBC"))
    s.add(w.other_org)
    s.flush()
    _completed_work(s, w)
    _open_work(s, w)
    _issued(s, w)
    return w


def _completed_work(s: Any, w: Ward) -> None:
    L, o = w.leader, w.org
    # A1 Tư pháp: deadline Thu 15/01, done 23:59 on 15/01 in Hà Nội (16:59 UTC): on time, January.
    a1 = _doc(s, o, w.clerk, doc_type="quyet_dinh", received=utc(2026, 1, 5, 1))
    lead_a1 = _work(s, a1, L, department=w.tp, deadline=date(2026, 1, 15), completed=utc(2026, 1, 15, 16, 59))
    # not counted for the ward: a co-handler (late) and the head's hand-over to the official (the official's own)
    _work(s, a1, L, department=w.dc, deadline=date(2026, 1, 10), completed=utc(2026, 1, 20), role=AssignmentRole.CO)
    _work(s, a1, w.head_tp, department=w.tp, deadline=date(2026, 1, 14), completed=utc(2026, 1, 14, 3),
          assignee=w.official_tp, parent=lead_a1)
    # A2 Tư pháp: deadline 15/01, done 00:01 on 16/01 in Hà Nội (still 15/01 17:01 UTC): late, January.
    a2 = _doc(s, o, w.clerk, received=utc(2026, 1, 6, 2))
    _work(s, a2, L, department=w.tp, deadline=date(2026, 1, 15), completed=utc(2026, 1, 15, 17, 1))
    # A3 Tư pháp: no deadline, done 00:30 on 01/02 in Hà Nội (31/01 17:30 UTC): February.
    a3 = _doc(s, o, w.clerk, received=utc(2026, 1, 20, 3))
    _work(s, a3, L, department=w.tp, deadline=None, completed=utc(2026, 1, 31, 17, 30))
    # A4 Tư pháp: deadline Saturday 07/03 moves to Monday 09/03; done Monday 17:00: on time, March.
    a4 = _doc(s, o, w.clerk, received=utc(2026, 3, 2, 1))
    _work(s, a4, L, department=w.tp, deadline=date(2026, 3, 7), completed=utc(2026, 3, 9, 10))
    # B1 Địa chính: deadline 10/02, done 09/02: on time, February.
    b1 = _doc(s, o, w.clerk, received=utc(2026, 2, 2, 1))
    _work(s, b1, L, department=w.dc, deadline=date(2026, 2, 10), completed=utc(2026, 2, 9, 3))
    # B2 Địa chính: deadline 05/03, done 10/03: late, March.
    b2 = _doc(s, o, w.clerk, received=utc(2026, 3, 2, 1))
    _work(s, b2, L, department=w.dc, deadline=date(2026, 3, 5), completed=utc(2026, 3, 10, 2))
    # B3: directed to the Địa chính official in person (no department on the row): counted under Địa chính.
    b3 = _doc(s, o, w.clerk, received=utc(2026, 3, 11, 1))
    _work(s, b3, L, department=None, assignee=w.official_dc, deadline=date(2026, 3, 20), completed=utc(2026, 3, 12, 1))
    # B4 Địa chính: done 00:30 on 01/01/2026 in Hà Nội (31/12/2025 UTC): in 2026, January, on time.
    b4 = _doc(s, o, w.clerk, received=utc(2025, 12, 29, 1))
    _work(s, b4, L, department=w.dc, deadline=date(2026, 1, 5), completed=utc(2025, 12, 31, 17, 30))
    # B5 Địa chính: done 23:00 on 31/12/2025 in Hà Nội: not in 2026.
    b5 = _doc(s, o, w.clerk, received=utc(2025, 12, 20, 1))
    _work(s, b5, L, department=w.dc, deadline=date(2025, 12, 30), completed=utc(2025, 12, 31, 16))
    # Not counted: cancelled work, an internal memo, another ward's work.
    x1 = _doc(s, o, w.clerk, received=utc(2026, 3, 2, 1))
    _work(s, x1, L, department=w.tp, deadline=date(2026, 3, 3), status=AssignmentStatus.CANCELLED)
    n1 = _doc(s, o, w.head_tp, kind=DocumentKind.INTERNAL, department=w.tp, received=utc(2026, 2, 1, 1))
    _work(s, n1, w.head_tp, department=w.dc, deadline=date(2026, 2, 3), completed=utc(2026, 2, 20))
    w1 = _doc(s, w.other_org, w.clerk, received=utc(2026, 1, 5, 1))
    _work(s, w1, L, department=None, deadline=date(2026, 1, 6), completed=utc(2026, 1, 20))


def _open_work(s: Any, w: Ward) -> None:
    # Today Monday 16/03: overdue when the deadline is on or before Friday 13/03, at risk up to Tuesday 17/03.
    for deadline, department, status in (
            (date(2026, 3, 13), w.tp, AssignmentStatus.OPEN),          # overdue
            (date(2026, 3, 15), w.tp, AssignmentStatus.OPEN),          # Sunday → Monday 16/03 (today): at risk
            (date(2026, 3, 17), w.tp, AssignmentStatus.IN_PROGRESS),   # at risk
            (date(2026, 3, 18), w.tp, AssignmentStatus.OPEN),          # on time
            (None, w.dc, AssignmentStatus.OPEN),                       # no deadline
            (date(2026, 3, 1), w.dc, AssignmentStatus.IN_PROGRESS)):   # overdue
        doc = _doc(s, w.org, w.clerk, received=utc(2026, 3, 2, 1))
        _work(s, doc, w.leader, department=department, deadline=deadline, status=status)


def _issued(s: Any, w: Ward) -> None:
    A, S, R, D = StepStatus.APPROVED, StepStatus.DONE, StepStatus.RETURNED, StepKind
    # I1 Tư pháp quyết định, issued 00:30 on 01/02 in Hà Nội: February. Reviewed 29/01 02:00, signed 24 h later,
    # issued 39.5 h after that.
    i1 = _doc(s, w.org, w.official_tp, kind=DocumentKind.OUTGOING, department=w.tp, doc_type="quyet_dinh",
              issued=utc(2026, 1, 31, 17, 30))
    _steps(s, i1, (1, 1, D.REVIEW, A, utc(2026, 1, 29, 2)), (1, 2, D.SIGN, S, utc(2026, 1, 30, 2)),
           (1, 3, D.ISSUE, S, utc(2026, 1, 31, 17, 30)))
    # I2 Tư pháp công văn, January: returned in round 1, then reviewed 08/01 01:00, signed 4 h later, issued
    # 46 h after the signature.
    i2 = _doc(s, w.org, w.official_tp, kind=DocumentKind.OUTGOING, department=w.tp, issued=utc(2026, 1, 10, 3))
    _steps(s, i2, (1, 1, D.REVIEW, R, utc(2026, 1, 5, 1)), (1, 2, D.SIGN, StepStatus.WAITING, None),
           (2, 1, D.REVIEW, A, utc(2026, 1, 8, 1)), (2, 2, D.SIGN, S, utc(2026, 1, 8, 5)),
           (2, 3, D.ISSUE, S, utc(2026, 1, 10, 3)))
    # I3 Địa chính công văn, January: the route starts at the signer (no submission time), issued 24 h after.
    i3 = _doc(s, w.org, w.official_dc, kind=DocumentKind.OUTGOING, department=w.dc, issued=utc(2026, 1, 20, 3))
    _steps(s, i3, (1, 1, D.SIGN, S, utc(2026, 1, 19, 3)), (1, 2, D.ISSUE, S, utc(2026, 1, 20, 3)))
    # I4 Địa chính thông báo, March: reviewed 02/03 03:00, signed 6 h later, issued 18 h after that.
    i4 = _doc(s, w.org, w.official_dc, kind=DocumentKind.OUTGOING, department=w.dc, doc_type="thong_bao",
              issued=utc(2026, 3, 3, 3))
    _steps(s, i4, (1, 1, D.REVIEW, A, utc(2026, 3, 2, 3)), (1, 2, D.SIGN, S, utc(2026, 3, 2, 9)),
           (1, 3, D.ISSUE, S, utc(2026, 3, 3, 3)))
    # Not counted: issued 23:00 on 31/12/2025 in Hà Nội, and a draft.
    _doc(s, w.org, w.official_tp, kind=DocumentKind.OUTGOING, department=w.tp, issued=utc(2025, 12, 31, 16))
    _doc(s, w.org, w.official_tp, kind=DocumentKind.OUTGOING, department=w.tp)
