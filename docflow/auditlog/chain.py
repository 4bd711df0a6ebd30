"""Canonical events, the hash chain and its verification, for whole logs and for partial proofs.

An event's content is its fields as sorted-key compact JSON in UTF-8 (``content_text``). The chain hash is

    hash(n) = sha256(hash(n-1) + "\\n" + sha256(content(n)).hexdigest()).hexdigest()

so a proof may carry an unrelated event as its content digest alone (``DigestRow``) and still link the
chain: an evidence pack holds a document's own events in full and only digests for the events between
them, up to the checkpoint that covers them.

Each ward has a chain of its own (issue 16). Events written since then carry their ward in the content
(``"organisation_id": N``), so an event moved to another ward's chain no longer matches its hash; events
written before keep the content they were hashed with (no ward), so older chains and exports still verify.

Rows are plain tuples, because the verifier runs over a million of them:

- a full row (``FullRow``, 11 items): seq, occurred_at (``YYYY-MM-DDTHH:MM:SS.ffffffZ``), actor_id,
  actor_name, action, object_type, object_id, details (canonical JSON text), organisation_id (the ward the
  hash covers, or None for an event hashed without it), prev_hash, hash; a 10-item row (an export made before
  wards) is the same without organisation_id;
- a digest row (``DigestRow``, 4 items): seq, content_sha256, prev_hash, hash.
"""

from __future__ import annotations

import enum
import hashlib
import json
import json.encoder
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docflow.auditlog.checkpoints import Checkpoint, CheckpointCheck

GENESIS_HASH = "0" * 64

FullRow = tuple[int, str, "int | None", str, str, str, str, str, "int | None", str, str]
DigestRow = tuple[int, str, str, str]

# json.dumps(..., ensure_ascii=False) encodes a str with exactly this function (C-accelerated).
_enc: Callable[[str], str] = json.encoder.encode_basestring
# The keys in sorted order, so ``content_text`` equals json.dumps(sort_keys=True, separators=(",", ":")).
_TEMPLATE = ('{"action":%s,"actor_id":%s,"actor_name":%s,"details":%s,"object_id":%s,"object_type":%s,'
             '"occurred_at":%s,"seq":%d}')
# The same with the ward, for events hashed with it ("organisation_id" sorts between those two keys).
_TEMPLATE_WARD = ('{"action":%s,"actor_id":%s,"actor_name":%s,"details":%s,"object_id":%s,"object_type":%s,'
                  '"occurred_at":%s,"organisation_id":%d,"seq":%d}')


def canonical_json(value: Any) -> str:
    """Sorted-key compact JSON, non-ASCII kept: how ``details`` are stored and hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def format_time(moment: datetime) -> str:
    """A time as the chain hashes it: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def content_text(seq: int, occurred_at: str, actor_id: int | None, actor_name: str, action: str,
                 object_type: str, object_id: str, details_json: str, organisation_id: int | None = None) -> str:
    """The canonical content of an event from its stored text forms (``occurred_at`` as ``format_time``
    writes it, ``details_json`` as ``canonical_json`` writes it); ``organisation_id`` None: an event hashed
    without its ward (written before wards had chains of their own)."""
    actor = "null" if actor_id is None else actor_id
    if organisation_id is None:
        return _TEMPLATE % (_enc(action), actor, _enc(actor_name), details_json, _enc(object_id), _enc(object_type),
                            _enc(occurred_at), seq)
    return _TEMPLATE_WARD % (_enc(action), actor, _enc(actor_name), details_json, _enc(object_id),
                             _enc(object_type), _enc(occurred_at), organisation_id, seq)


def row_content(row: Sequence[Any]) -> str:
    """The canonical content of a full row (10 or 11 items)."""
    return content_text(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                        row[8] if len(row) == 11 else None)


def canonical_bytes(*, seq: int, occurred_at: datetime, actor_id: int | None, actor_name: str,
                    action: str, object_type: str, object_id: str, details: dict[str, Any],
                    organisation_id: int | None = None) -> bytes:
    """The exact bytes an event's content digest covers; stable across databases and Python versions."""
    return content_text(seq, format_time(occurred_at), actor_id, actor_name, action, object_type, object_id,
                        canonical_json(details), organisation_id).encode("utf-8")


def content_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def chain_hash(prev_hash: str, content_digest: str) -> str:
    """The chain hash of an event from its predecessor's hash and its own content digest (both hex)."""
    return hashlib.sha256(f"{prev_hash}\n{content_digest}".encode("ascii")).hexdigest()


def row_digest(row: Sequence[Any]) -> str:
    """The content digest of a full or digest row."""
    if len(row) == 4:
        return str(row[1])
    return content_sha256(row_content(row).encode("utf-8"))


class ProblemKind(enum.StrEnum):
    CHANGED = "changed"                      # a row's content no longer matches its hash
    REMOVED = "removed"                      # a sequence number is missing
    INSERTED = "inserted"                    # rows slipped in between two written one after the other
    REORDERED = "reordered"                  # a row stands before the row it was written after
    TRUNCATED = "truncated"                  # the head or a checkpoint says the chain is longer than the rows
    REWRITTEN = "rewritten"                  # rows and hashes recomputed: only a signed checkpoint shows it
    FORGED_CHECKPOINT = "forged_checkpoint"  # a checkpoint whose own signature does not verify


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    kind: ProblemKind
    detail: str


@dataclass(frozen=True)
class CheckpointSummary:
    """A checkpoint that verified: for reports and the auditor screen."""
    seq: int
    hash: str
    created_at: datetime
    signer: str
    timestamped_at: datetime | None


@dataclass(frozen=True)
class ChainReport:
    """What a verification found. ``problem`` is the first broken position (None: intact);
    ``proving_checkpoint_seq`` the signed checkpoint that proves it, when one covers it."""
    checked: int
    first_seq: int | None
    last_seq: int | None
    problem: ChainProblem | None = None
    proving_checkpoint_seq: int | None = None
    checkpoints_checked: int = 0
    last_checkpoint: CheckpointSummary | None = None
    notes: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return self.problem is None

    @property
    def problem_kind(self) -> ProblemKind | None:
        return self.problem.kind if self.problem else None

    @property
    def problem_seq(self) -> int | None:
        return self.problem.seq if self.problem else None


class ChainVerifier:
    """Recompute the chain over rows fed in sequence order; stops at the first problem once the
    checkpoint that proves it (if any) has been reached.

    ``start_prev_hash``: the hash the first row must continue (GENESIS_HASH from the start; None trusts
    the first row's own prev_hash, for a range whose predecessor is not at hand).
    ``checkpoints``: the checkpoints inside the range, checked with ``check`` (None: not used).
    ``locate(hash)``: the seq of the row now carrying that hash, asked only once something is wrong, to
    tell an insertion or reordering from a change.
    """

    def __init__(self, *, start_prev_hash: str | None, first_seq: int | None = None,
                 checkpoints: Sequence[Checkpoint] = (), check: Callable[[Checkpoint], CheckpointCheck] | None = None,
                 locate: Callable[[str], int | None] = lambda _h: None) -> None:
        self.prev_hash = start_prev_hash
        self.prev_seq = first_seq - 1 if first_seq is not None else None
        self.checkpoints = sorted(checkpoints, key=lambda c: c.seq) if check is not None else []
        self.check, self.locate = check, locate
        self.next_cp = 0
        self.checked = 0
        self.first_seq = first_seq
        self.problem: ChainProblem | None = None
        self.proving: int | None = None
        self.checkpoints_checked = 0
        self.last_checkpoint: CheckpointSummary | None = None
        self.last_good_cp_seq: int | None = None
        self.done = False
        self._divergent = ""   # the recomputed hash once a problem was found

    def _next_cp_seq(self) -> int:
        return self.checkpoints[self.next_cp].seq if self.next_cp < len(self.checkpoints) else 1 << 62

    def feed(self, rows: Iterable[Sequence[Any]]) -> None:
        """Verify rows (full or digest) continuing from the previous call."""
        sha, enc, template, ward_template = hashlib.sha256, _enc, _TEMPLATE, _TEMPLATE_WARD
        prev, checked = self.prev_hash, self.checked
        prev_seq = self.prev_seq if self.prev_seq is not None else -2   # -2: the first row takes the slow path
        next_cp = self._next_cp_seq() if self.problem is None else -1  # -1: every row takes the slow path
        for row in rows:
            # The fast path: a row that continues the chain and is not at a checkpoint.
            size = len(row)
            if size == 11 or size == 10:   # a row of an export made before wards: no ward in the hash
                seq, at, actor_id, name, action, object_type, object_id, details, ward, row_prev, row_hash = (
                    row if size == 11 else (*row[:8], None, *row[8:]))
                if seq == prev_seq + 1 and row_prev == prev and seq < next_cp:
                    actor = "null" if actor_id is None else actor_id
                    content = (template % (enc(action), actor, enc(name), details, enc(object_id), enc(object_type),
                                           enc(at), seq) if ward is None
                               else ward_template % (enc(action), actor, enc(name), details, enc(object_id),
                                                     enc(object_type), enc(at), ward, seq))
                    digest = sha(f"{prev}\n{sha(content.encode()).hexdigest()}".encode()).hexdigest()
                    if digest == row_hash:
                        prev, prev_seq = digest, seq
                        checked += 1
                        continue
            elif size == 4:
                seq, content_digest, row_prev, row_hash = row
                if seq == prev_seq + 1 and row_prev == prev and seq < next_cp:
                    digest = sha(f"{prev}\n{content_digest}".encode()).hexdigest()
                    if digest == row_hash:
                        prev, prev_seq = digest, seq
                        checked += 1
                        continue
            self.prev_hash, self.prev_seq, self.checked = prev, (prev_seq if prev_seq != -2 else None), checked
            self._step(row)
            if self.done:
                return
            prev, checked = self.prev_hash, self.checked
            prev_seq = self.prev_seq if self.prev_seq is not None else -2
            next_cp = self._next_cp_seq() if self.problem is None else -1
        self.prev_hash, self.prev_seq, self.checked = prev, (prev_seq if prev_seq != -2 else None), checked

    def _step(self, row: Sequence[Any]) -> None:
        if self.problem is not None:
            self._follow_divergent(self.problem, row)
            return
        problem = self._check_row(row)
        if problem is not None:
            self._fail(problem, row)
            return
        self.prev_hash, self.prev_seq = str(row[-1]), int(row[0])
        if self.first_seq is None:
            self.first_seq = self.prev_seq
        self.checked += 1
        self._reach_checkpoints(int(row[0]), str(row[-1]))

    def _check_row(self, row: Sequence[Any]) -> ChainProblem | None:
        seq, prev_seq, prev_hash = int(row[0]), self.prev_seq, self.prev_hash
        if prev_seq is not None and seq <= prev_seq:
            return ChainProblem(seq, ProblemKind.REORDERED, f"sequence {seq} follows {prev_seq}")
        row_prev, row_hash = str(row[-2]), str(row[-1])
        if prev_seq is not None and seq > prev_seq + 1:
            # Missing here: removed, or moved further on (an export's lines can be reordered without renumbering).
            written_after = self.locate(row_prev) if row_prev != GENESIS_HASH else 0
            if written_after is not None and written_after > prev_seq:
                return ChainProblem(prev_seq + 1, ProblemKind.REORDERED,
                                    f"event {seq} stands where event {prev_seq + 1} was; it was written after "
                                    f"event {written_after}, which now comes later")
            return ChainProblem(prev_seq + 1, ProblemKind.REMOVED,
                                f"event {prev_seq + 1} is missing: {seq} follows {prev_seq}")
        content_ok = chain_hash(row_prev, row_digest(row)) == row_hash
        if prev_hash is None or row_prev == prev_hash:
            return None if content_ok else ChainProblem(seq, ProblemKind.CHANGED,
                                                        f"event {seq} does not match its hash")
        # The row does not continue from its predecessor: find where the row it was written after is now.
        written_after = self.locate(row_prev) if row_prev != GENESIS_HASH else 0
        if written_after is not None and prev_seq is not None and written_after < prev_seq:
            return ChainProblem(written_after + 1, ProblemKind.INSERTED,
                                f"events {written_after + 1}–{prev_seq} were inserted: event {seq} was "
                                f"written right after event {written_after}")
        if written_after is not None and prev_seq is not None and written_after > prev_seq:
            return ChainProblem(seq, ProblemKind.REORDERED,
                                f"event {seq} was written after event {written_after}, which now comes later")
        return ChainProblem(seq, ProblemKind.CHANGED, f"event {seq} does not continue the chain from event {prev_seq}")

    def _reach_checkpoints(self, seq: int, digest: str) -> None:
        while self.next_cp < len(self.checkpoints) and self.checkpoints[self.next_cp].seq <= seq:
            cp = self.checkpoints[self.next_cp]
            self.next_cp += 1
            result = self._verdict(cp)
            if not result.valid:
                self._set_problem(ChainProblem(cp.seq, ProblemKind.FORGED_CHECKPOINT,
                                               f"checkpoint #{cp.seq} is not genuine: {result.problem}"), cp.seq)
                return
            if cp.seq < seq or cp.hash != digest:
                start = (self.last_good_cp_seq or (self.first_seq or 1) - 1) + 1
                self._set_problem(ChainProblem(start, ProblemKind.REWRITTEN,
                                               f"events #{start}–#{cp.seq} no longer lead to the hash signed in "
                                               f"checkpoint #{cp.seq}: rows were changed and the chain recomputed"),
                                  cp.seq)
                return
            self.checkpoints_checked += 1
            self.last_good_cp_seq = cp.seq
            self.last_checkpoint = CheckpointSummary(cp.seq, cp.hash, cp.created_at, result.signer,
                                                     result.timestamped_at)

    def _verdict(self, cp: Checkpoint) -> CheckpointCheck:
        if self.check is None:   # the constructor keeps no checkpoints without a check; one was added later
            raise TypeError("a checkpoint was given to a ChainVerifier that has no check for it")
        return self.check(cp)

    def _fail(self, problem: ChainProblem, row: Sequence[Any]) -> None:
        self.problem = problem
        self._divergent = self.prev_hash or str(row[-2])
        self._follow_divergent(problem, row)

    def _follow_divergent(self, problem: ChainProblem, row: Sequence[Any]) -> None:
        """After a problem: recompute the chain the way the rows now stand, up to the first checkpoint at or
        after the problem; a genuine checkpoint there that the recomputed chain misses proves the problem."""
        self._divergent = chain_hash(self._divergent, row_digest(row))
        self._divergent_at(problem, int(row[0]), self._divergent)

    def _divergent_at(self, problem: ChainProblem, seq: int, digest: str | None = None) -> None:
        while self.next_cp < len(self.checkpoints) and self.checkpoints[self.next_cp].seq <= seq:
            cp = self.checkpoints[self.next_cp]
            self.next_cp += 1
            if cp.seq < problem.seq:
                continue
            if self._verdict(cp).valid and (cp.seq < seq or cp.hash != digest):
                self._set_problem(problem, cp.seq)
                return

    def _set_problem(self, problem: ChainProblem, proving: int | None) -> None:
        self.problem, self.proving, self.done = problem, proving, True

    def finish(self, *, head: tuple[int, str] | None = None) -> ChainReport:
        """The report once every row was fed. ``head`` (seq, hash) is the chain head the rows must reach
        (the database's audit_head); checkpoints not reached by any row mean rows are missing at the end."""
        last = self.prev_seq if self.checked else None
        if self.problem is None and head is not None:
            reached = self.prev_seq or 0
            if head[0] > reached:
                self.problem = ChainProblem(reached + 1, ProblemKind.TRUNCATED,
                                            f"the chain head is at {head[0]} but the events end at {reached}")
            elif self.checked and head[0] == reached and head[1] != self.prev_hash:
                self.problem = ChainProblem(reached, ProblemKind.CHANGED, "the chain head does not match")
        if self.problem is None and self.next_cp < len(self.checkpoints):
            cp = self.checkpoints[self.next_cp]
            reached = self.prev_seq or 0
            self.problem = ChainProblem(reached + 1, ProblemKind.TRUNCATED,
                                        f"checkpoint #{cp.seq} signs a chain longer than the events, which end "
                                        f"at {reached}")
        if self.problem is not None and self.proving is None and not self.done:
            self._divergent_at(self.problem, 1 << 62)
        notes = () if self.check is not None else ("checkpoints were not checked (no trust roots)",)
        return ChainReport(self.checked, self.first_seq if self.checked else None, last, self.problem, self.proving,
                           self.checkpoints_checked, self.last_checkpoint, notes)


def verify_segment(rows: Iterable[Sequence[Any]], start_prev_hash: str | None,
                   checkpoints: Sequence[Checkpoint] = (), trust: Any = None, *,
                   first_seq: int | None = None) -> ChainReport:
    """Verify a run of consecutive rows (full or digest rows) that continues ``start_prev_hash``.

    ``checkpoints`` inside the run are checked against ``trust`` (a ``checkpoints.Trust``; None: not
    used); a checkpoint beyond the last row means rows are missing. This is what an evidence pack calls:
    the document's own events in full, digests for the events in between, up to the covering checkpoint.
    """
    verifier = ChainVerifier(start_prev_hash=start_prev_hash, first_seq=first_seq, checkpoints=checkpoints,
                             check=trust.check if trust is not None else None)
    verifier.feed(rows)
    return verifier.finish()
