"""Audit events as sentences with names, labelled rows and before/after changes (issue 13 §3), as the viewer
may see them: never the trích yếu of a document the viewer may not view."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from docflow.models import AuditEvent, Confidentiality, DocumentKind, Role
from docflow.services import audit
from docflow.services.audit import AuditAction
from docflow.services.audit.fields import FIELD_LABELS, MSG, TERM, TEXT
from docflow.services.audit.readable import describe_events
from docflow.services.audit.sentences import AREAS, GENERIC, SENTENCES, action_groups
from docflow.services.people import update_user

PO = Path(__file__).parents[3] / "docflow" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as handle:
        return {m.id: str(m.string) for m in read_po(handle) if isinstance(m.id, str)}


def test_R52_every_audit_action_has_its_own_sentence_name_and_area_in_vietnamese(db_session, make_user):
    vietnamese = _catalogue()
    viewer = make_user(Role.AUDITOR)
    events = [audit.record(db_session, action=action, actor=viewer, object_type="", object_id=None)
              for action in AuditAction]
    views = describe_events(db_session, viewer=viewer, events=events)
    generic = [v.event.action for v in views if v.is_generic or v.sentence == GENERIC]
    assert generic == []
    assert set(SENTENCES) == set(AuditAction)
    assert len({s.msgid for s in SENTENCES.values()}) == len(SENTENCES)   # each action its own sentence
    for sentence in SENTENCES.values():
        assert sentence.area in AREAS
        for msgid in (sentence.msgid, sentence.name, AREAS[sentence.area]):
            assert vietnamese.get(msgid), f"no Vietnamese for {msgid!r}"
    for label in FIELD_LABELS.values():
        assert vietnamese.get(label), f"no Vietnamese for the label {label!r}"
    grouped = [code for _, items in action_groups() for code, _ in items]
    assert sorted(grouped) == sorted(a.value for a in AuditAction)


def test_R52_a_signature_reads_as_who_signed_which_document_and_version(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK)
    chairman = make_user(Role.LEADER, full_name="Trần Văn Nam")
    chairman.post = "Chủ tịch"
    document = make_document(clerk, kind=DocumentKind.OUTGOING, summary="Về việc cấp phép xây dựng")
    document.number_symbol = "12/QĐ-UBND"
    event = audit.record(db_session, action=AuditAction.DOCUMENT_SIGNED, actor=chairman, object_type="document",
                         object_id=document.id, details={"version": 3, "sha256": "a" * 64})

    (view,) = describe_events(db_session, viewer=make_user(Role.AUDITOR), events=[event])

    assert view.sentence == "%(actor)s signed the document %(object)s (version %(version)s)"
    assert (view.actor.kind, view.actor.label, view.actor.id) == ("user", "Trần Văn Nam", chairman.id)
    assert "Chủ tịch" in view.actor.title
    obj = view.params["object"]
    assert (obj.kind, obj.label, obj.id, obj.title) == ("outgoing", "12/QĐ-UBND", document.id,
                                                         "Về việc cấp phép xây dựng")
    assert view.params["version"].label == "3"
    assert [r.label for r in view.rows] == ["SHA-256"] and view.rows[0].values[0].label == "a" * 16 + "…"


def test_R52_a_change_of_role_and_department_shows_before_and_after_by_name(db_session, make_user, make_department):
    admin = make_user(Role.ADMIN, full_name="Quản Trị Viên")
    old, new = make_department("Tư pháp", "TPX"), make_department("Địa chính", "DCX")
    official = make_user(Role.OFFICIAL, department=old, full_name="Lê Thị Thu")
    update_user(db_session, actor=admin, user_id=official.id, role=Role.HEAD, post="Trưởng bộ phận",
                department_id=new.id, full_name=official.full_name)
    event = db_session.execute(select(AuditEvent).where(AuditEvent.action == "user.updated")
                               .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one()

    (view,) = describe_events(db_session, viewer=admin, events=[event])

    assert view.params["object"].label == "Lê Thị Thu" and view.params["actor"].label == "Quản Trị Viên"
    changes = {c.label: (c.before, c.after) for c in view.changes}
    role_before, role_after = changes["Role"]
    assert (role_before[0].kind, role_before[0].label, role_after[0].label) == (TERM, "official", "head")
    dept_before, dept_after = changes["Department"]
    assert (dept_before[0].label, dept_after[0].label) == ("Tư pháp", "Địa chính")
    assert changes["Post"][1][0].label == "Trưởng bộ phận" and view.rows == []


def test_R52_no_summary_of_a_confidential_document_the_viewer_may_not_view(db_session, make_user, make_document):
    clerk, auditor, leader = make_user(Role.CLERK), make_user(Role.AUDITOR), make_user(Role.LEADER)
    secret = make_document(clerk, confidentiality=Confidentiality.SECRET, summary="Kế hoạch bảo vệ bí mật")
    event = audit.record(db_session, action=AuditAction.DOCUMENT_RECALLED, actor=clerk, object_type="document",
                         object_id=secret.id, details={"reason": "Lộ bí mật kế hoạch", "number_symbol": "5/KH"})

    (hidden,) = describe_events(db_session, viewer=auditor, events=[event])
    (shown,) = describe_events(db_session, viewer=leader, events=[event])

    texts = [hidden.params["object"].label, hidden.params["object"].title,
             *(v.label for r in hidden.rows for v in r.values)]
    assert not any("bí mật" in t for t in texts) and hidden.params["object"].kind == TEXT
    assert not hidden.show_raw                        # the raw details are not offered either
    assert shown.params["object"].title == "Kế hoạch bảo vệ bí mật" and shown.show_raw
    assert any(v.label == "Lộ bí mật kế hoạch" for r in shown.rows for v in r.values)


def test_R51_an_access_grant_names_the_person_and_shows_before_and_after(db_session, make_user, make_document):
    clerk = make_user(Role.CLERK, full_name="Nguyễn Thị Hoa")
    official = make_user(Role.OFFICIAL, full_name="Phạm Văn Bình")
    document = make_document(clerk)
    event = audit.record(db_session, action=AuditAction.DOCUMENT_ACCESS_GRANTED, actor=clerk,
                         object_type="document", object_id=document.id,
                         details={"user_id": official.id, "username": official.username,
                                  "reason": "confidential_access"})

    (view,) = describe_events(db_session, viewer=make_user(Role.LEADER), events=[event])

    assert view.params["person"].label == "Phạm Văn Bình" and view.params["actor"].label == "Nguyễn Thị Hoa"
    assert [(c.before[0].kind, c.after[0].kind) for c in view.changes] == [(MSG, MSG)]


def test_system_events_and_sign_in_failures_read_without_an_actor(db_session, make_user):
    user = make_user(Role.OFFICIAL, full_name="Đặng Văn Tú")
    unknown, known = (audit.record(db_session, action=AuditAction.USER_SIGN_IN_FAILED, actor=None,
                                   object_type="user", object_id=object_id,
                                   details={"reason": "bad_credentials", "failures": 2, "remote_addr": "10.0.0.9"})
                      for object_id in ("unknown", user.id))
    views = describe_events(db_session, viewer=make_user(Role.AUDITOR), events=[unknown, known])
    assert all(v.actor.kind == MSG and v.actor.label == "The system" for v in views)
    assert views[0].params["object"].label == "(unknown)" and views[1].params["object"].label == "Đặng Văn Tú"
    rows = {r.label: r.values[0] for r in views[1].rows}
    assert (rows["Reason"].kind, rows["Reason"].label) == (MSG, "wrong username or password")
    assert rows["Failures in a row"].label == "2" and rows["IP address"].label == "10.0.0.9"


def test_a_direction_lists_each_assignment_on_a_row_of_its_own(db_session, make_user, make_document,
                                                               make_department):
    chairman, clerk = make_user(Role.LEADER, full_name="Trần Văn Minh"), make_user(Role.CLERK)
    land, office = make_department("Địa chính", "DCZ"), make_department("Văn phòng", "VPZ")
    document = make_document(clerk)
    event = audit.record(db_session, action=AuditAction.DOCUMENT_DIRECTED, actor=chairman, object_type="document",
                         object_id=document.id, details={"assignments": [
                             {"assignment_id": 6, "role": "lead", "department_id": land.id, "user_id": None,
                              "deadline": "2026-12-18"},
                             {"assignment_id": 7, "role": "info", "department_id": office.id, "user_id": None,
                              "deadline": None}], "instruction_sha256": "c" * 64})

    (view,) = describe_events(db_session, viewer=chairman, events=[event])

    assert [r.label for r in view.rows] == ["Assignments", "Assignments"]
    first, second = ([(v.kind, v.label) for v in r.values] for r in view.rows)
    assert first == [("department", "Địa chính"), ("msg", "lead (chủ trì)"), ("date", "2026-12-18")]
    assert second == [("department", "Văn phòng"), ("msg", "for information (để biết)")]
