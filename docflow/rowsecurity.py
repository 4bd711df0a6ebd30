"""Row-level security on PostgreSQL: the database's own wall between the wards of one deployment (issue 16).

Every ward-owned table gets one policy, ``ward_isolation``, for every command (SELECT, INSERT, UPDATE, DELETE),
both as the rows a statement may see (USING) and as the rows it may write (WITH CHECK), and the table is put
under FORCE ROW LEVEL SECURITY so its owner obeys it too (only a superuser or a BYPASSRLS role does not).

What a transaction may see is the setting ``docflow.ward_id``, which ``docflow.db`` sets transaction-locally
before each statement from ``docflow.wards.database_scope()``:

- a ward's id (``"7"``): that ward's rows only: a signed-in user's request, an API call, a job, ``--ward``;
- ``"all"``: every ward's rows: work that no ward is bound to (see ``docflow.wards.database_scope``);
- unset or empty: no row at all. A connection that does not go through docflow (psql as the application's
  role, a script) sees nothing until it says ``SET docflow.ward_id = …``.

A table carrying ``organisation_id`` is walled by that column (``by_ward``). A table without one hangs off a
ward-owned parent (a document's versions, signatures, routing steps, …; a user's notifications) and is walled
through it (``through_parent``): the policy's subquery on the parent obeys the parent's own policy.

The condition is a range, ``organisation_id BETWEEN low AND high`` (one ward: low = high = its id; "all": every
integer), rather than "id = x OR all": an OR would keep PostgreSQL from using an index on organisation_id, and
a query's own non-leakproof conditions (text search, LIKE) may not use their index on a table under row-level
security, so the policy's condition is what narrows the scan to the ward.

The helpers take ``execute``, a callable running one SQL statement (``op.execute`` in a migration), so a
migration applies the policies to the tables it names, and a later migration adding a ward-owned table calls
``by_ward`` for it (a test fails for a table with ``organisation_id`` and no policy).
"""

from __future__ import annotations

from collections.abc import Callable

from docflow.wards import ALL_WARDS as ALL

SETTING = "docflow.ward_id"
POLICY = "ward_isolation"

_INT_MIN, _INT_MAX = -2147483648, 2147483647
_SCOPE = f"current_setting('{SETTING}', true)"


def _bound(extreme: int) -> str:
    # 'all' opens the range to every integer; a ward's id closes it to that id; '' or NULL (unset) gives NULL,
    # and BETWEEN NULL admits no row. Anything else fails the cast: an error, never a guess.
    return f"(CASE {_SCOPE} WHEN '{ALL}' THEN {extreme} ELSE NULLIF({_SCOPE}, '')::integer END)"


WARD_CONDITION = f"organisation_id BETWEEN {_bound(_INT_MIN)} AND {_bound(_INT_MAX)}"


def _policy(execute: Callable[[str], object], table: str, condition: str) -> None:
    execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    execute(f"CREATE POLICY {POLICY} ON {table} FOR ALL USING ({condition}) WITH CHECK ({condition})")


def by_ward(execute: Callable[[str], object], table: str) -> None:
    """Wall ``table`` by its own ``organisation_id``."""
    _policy(execute, table, WARD_CONDITION)


def through_parent(execute: Callable[[str], object], table: str, column: str, parent: str) -> None:
    """Wall ``table`` by the parent row its ``column`` names in ``parent`` (itself walled): a row is seen and
    written only when the transaction may see its parent."""
    _policy(execute, table, f"EXISTS (SELECT 1 FROM {parent} p WHERE p.id = {table}.{column})")


def remove(execute: Callable[[str], object], table: str) -> None:
    """Take the wall off ``table`` (a migration's downgrade)."""
    execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
    execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
