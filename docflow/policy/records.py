"""Who does what with the ward's records (hồ sơ, Decree 30, Art. 28–30; R46), decided here so that the pages,
the command line and the services ask one question.

- Reading the file plan and the files: every active member of the ward but the administrator (he keeps
  accounts and keys, not documents). Which documents of a file a reader sees is still ``can_view``'s answer.
- Preparing the plan (headings and file entries): the clerk (văn thư) for the whole ward, a department head for
  his own department's headings, the chairman and vice-chairmen (``leader``) for any.
- Approving the plan: the head of the body (R46): the chairman, or a vice-chairman in his place (``leader``).
- Keeping a file (open it, add and remove documents, mark the home file, close it): its responsible official
  (the handler of R46), the head of its department, the clerk and the leaders.
- Reopening a closed file: only a leader, with a reason, on the record.
- The archive transfer package of a closed year (and the list of past transfers): the clerk or the
  administrator.
- The appraisal list (files whose retention has ended): the leaders, the clerk and the auditor read it; the
  destruction itself needs the chairman's decision, which the service checks by his post.
"""

from __future__ import annotations

from docflow.models import Role, User

PLAN_WARD_PREPARERS = frozenset({Role.CLERK, Role.LEADER})
FILE_KEEPERS = frozenset({Role.CLERK, Role.LEADER})
APPRAISAL_READERS = frozenset({Role.CLERK, Role.LEADER, Role.AUDITOR})
# The clerk keeps the ward's records and hands them to the archive (Decree 30, Art. 28); the administrator may
# run the transfer for him (the system, not the documents' content, is his).
TRANSFERRERS = frozenset({Role.CLERK, Role.ADMIN})
# who may be named a file's responsible official (its handler)
FILE_HANDLER_ROLES = frozenset({Role.OFFICIAL, Role.HEAD, Role.CLERK, Role.LEADER})


def _acts(user: User) -> bool:
    return user.is_active and not user.is_read_only


def may_read_records(user: User) -> bool:
    return user.is_active and user.role is not Role.ADMIN


def may_prepare_heading(user: User, department_id: int | None) -> bool:
    """A heading (and the file entries under it) of ``department_id`` (None: the ward's own heading)."""
    if not _acts(user):
        return False
    if user.role in PLAN_WARD_PREPARERS:
        return True
    return user.role is Role.HEAD and department_id is not None and department_id == user.department_id


def may_prepare_plan(user: User) -> bool:
    """Whether the user prepares any part of a plan: the menu's and the plan page's question."""
    return _acts(user) and (user.role in PLAN_WARD_PREPARERS
                            or (user.role is Role.HEAD and user.department_id is not None))


def may_approve_plan(user: User) -> bool:
    return _acts(user) and user.role is Role.LEADER


def may_keep_file(user: User, *, department_id: int | None, responsible_id: int | None) -> bool:
    """Open, fill and close a file whose heading is ``department_id`` and whose handler is ``responsible_id``."""
    if not _acts(user):
        return False
    if user.role in FILE_KEEPERS or (responsible_id is not None and user.id == responsible_id):
        return True
    return user.role is Role.HEAD and department_id is not None and department_id == user.department_id


def may_reopen_file(user: User) -> bool:
    return _acts(user) and user.role is Role.LEADER


def may_read_appraisal(user: User) -> bool:
    return user.is_active and user.role in APPRAISAL_READERS


def may_transfer_records(user: User) -> bool:
    """Build the archive transfer package of a closed year, and read the ward's past transfers."""
    return user.is_active and user.role in TRANSFERRERS
