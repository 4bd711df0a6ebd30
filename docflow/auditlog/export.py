"""The audit export: JSON Lines, written by ``docflow audit export`` and verified without any database.

Line 1, the header::

    {"type": "header", "format": "docflow-audit-export", "version": 1, "organisation": ..., "exported_at": ...,
     "from_seq": N, "to_seq": M, "start_prev_hash": <hash of event N-1, or 64 zeros>,
     "certificates": [PEM, ...],   # the system certificates that signed the checkpoints, and the CA chain
     "crls": [base64 DER, ...]}    # the CA's CRLs when docflow holds them

then one line per event in sequence order (every stored field, with ``prev_hash`` and ``hash``)::

    {"type": "event", "seq": ..., "occurred_at": "...Z", "actor_id": ..., "actor_name": ..., "action": ...,
     "object_type": ..., "object_id": ..., "details": {...}, "organisation_id": ..., "prev_hash": ..., "hash": ...}

(``organisation_id`` only on events whose hash covers their ward: written since each ward has a chain of its
own; an export holds one ward's chain, named by the header's ``ward`` {"id", "code"}, absent in older exports)

with each checkpoint **interleaved immediately before the event whose head it signs** (same seq)::

    {"type": "checkpoint", "seq": ..., "hash": ..., "created_at": "...Z", "organisation": ...,
     "signature": base64 CMS, "certificate": base64 DER, "timestamp_token": base64 or null}

and a last line ``{"type": "end", "events": n, "checkpoints": k, "last_seq": ..., "last_hash": ...}``; an
export without it was cut short. The trust root is never taken from the file: the auditor names it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from docflow.auditlog.chain import (
    GENESIS_HASH,
    ChainProblem,
    ChainReport,
    ChainVerifier,
    ProblemKind,
    canonical_json,
    format_time,
    row_content,
)
from docflow.auditlog.checkpoints import Checkpoint, Trust

FORMAT, VERSION = "docflow-audit-export", 1

# An event line is its canonical content with prev_hash and hash put first, so the verifier can hash the
# content straight from the line's bytes; any other layout is read as plain JSON.
_EVENT_HEAD = '{"type":"event","prev_hash":"%s","hash":"%s",'
_PREFIX, _MIDDLE, _END = b'{"type":"event","prev_hash":"', b'","hash":"', b'",'
_HASH_AT = len(_PREFIX) + 64 + len(_MIDDLE)
_CONTENT_AT = _HASH_AT + 64 + len(_END)


class ExportUnreadable(Exception):
    """The file is not a docflow audit export, or a line in it cannot be read."""


@dataclass(frozen=True)
class ExportHeader:
    organisation: str
    exported_at: str
    from_seq: int
    to_seq: int | None
    start_prev_hash: str
    certificates: tuple[bytes, ...]
    crls: tuple[bytes, ...]


def header_line(*, organisation: str, exported_at: datetime, from_seq: int, to_seq: int | None,
                start_prev_hash: str, certificates_pem: Sequence[bytes], crls_der: Sequence[bytes],
                ward: dict[str, Any] | None = None) -> str:
    header = {"type": "header", "format": FORMAT, "version": VERSION, "organisation": organisation}
    if ward is not None:
        header["ward"] = ward
    return json.dumps({**header, "exported_at": format_time(exported_at), "from_seq": from_seq, "to_seq": to_seq,
                       "start_prev_hash": start_prev_hash,
                       "certificates": [p.decode("ascii") for p in certificates_pem],
                       "crls": [base64.b64encode(c).decode("ascii") for c in crls_der]},
                      ensure_ascii=False) + "\n"


def event_line(row: Sequence[Any]) -> str:
    """The line of a full row (see ``chain.FullRow``): ``{"type":"event","prev_hash":…,"hash":…,`` then the
    event's canonical content without its opening brace."""
    return _EVENT_HEAD % (row[-2], row[-1]) + row_content(row)[1:] + "\n"


def fast_event(raw: bytes) -> tuple[int, str, str, str] | None:
    """A digest row straight from an event line in ``event_line``'s layout (the content is hashed as the
    bytes stand), or None for any other line, which is then read as JSON."""
    if (not raw.startswith(_PREFIX) or raw[_HASH_AT - len(_MIDDLE):_HASH_AT] != _MIDDLE
            or raw[_HASH_AT + 64:_CONTENT_AT] != _END or not raw.endswith(b"}\n")):
        return None
    content = b"{" + raw[_CONTENT_AT:-1]
    try:
        seq = int(content[content.rindex(b',"seq":') + 7:-1])
        return seq, hashlib.sha256(content).hexdigest(), raw[len(_PREFIX):len(_PREFIX) + 64].decode("ascii"), \
            raw[_HASH_AT:_HASH_AT + 64].decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None


def checkpoint_line(cp: Checkpoint) -> str:
    def b64(data: bytes | None) -> str | None:
        return base64.b64encode(data).decode("ascii") if data is not None else None
    return json.dumps({"type": "checkpoint", "seq": cp.seq, "hash": cp.hash, "created_at": format_time(cp.created_at),
                       "organisation": cp.organisation, "signature": b64(cp.signature),
                       "certificate": b64(cp.certificate), "timestamp_token": b64(cp.timestamp_token)},
                      ensure_ascii=False) + "\n"


def end_line(*, events: int, checkpoints: int, last_seq: int | None, last_hash: str | None) -> str:
    return json.dumps({"type": "end", "events": events, "checkpoints": checkpoints, "last_seq": last_seq,
                       "last_hash": last_hash}) + "\n"


def parse_event(obj: dict[str, Any]) -> tuple[Any, ...]:
    """A full row from an event line, or a digest row when the line carries ``content_sha256`` instead of
    the fields (evidence packs). Raises ExportUnreadable for wrong types."""
    try:
        if "content_sha256" in obj:
            row: tuple[Any, ...] = (obj["seq"], obj["content_sha256"], obj["prev_hash"], obj["hash"])
            strings: tuple[Any, ...] = row[1:]
        else:
            if not isinstance(obj["details"], dict) or not (obj["actor_id"] is None or _is_int(obj["actor_id"])):
                raise ExportUnreadable(f"event {obj.get('seq')!r}: a field has the wrong type")
            ward = obj.get("organisation_id")
            if "organisation_id" in obj and not _is_int(ward):
                raise ExportUnreadable(f"event {obj.get('seq')!r}: a field has the wrong type")
            row = (obj["seq"], obj["occurred_at"], obj["actor_id"], obj["actor_name"], obj["action"],
                   obj["object_type"], obj["object_id"], canonical_json(obj["details"]),
                   *((ward,) if "organisation_id" in obj else ()), obj["prev_hash"], obj["hash"])
            strings = (row[1], *row[3:8], *row[-2:])
    except KeyError as exc:
        raise ExportUnreadable(f"an event lacks {exc.args[0]}") from None
    if not _is_int(row[0]) or not all(isinstance(value, str) for value in strings):
        raise ExportUnreadable(f"event {obj.get('seq')!r}: a field has the wrong type")
    return row


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_checkpoint(obj: dict[str, Any]) -> Checkpoint:
    try:
        token = obj.get("timestamp_token")
        return Checkpoint(seq=int(obj["seq"]), hash=str(obj["hash"]),
                          created_at=datetime.fromisoformat(obj["created_at"].replace("Z", "+00:00")),
                          organisation=str(obj["organisation"]), signature=base64.b64decode(obj["signature"]),
                          certificate=base64.b64decode(obj["certificate"]),
                          timestamp_token=base64.b64decode(token) if token else None)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ExportUnreadable(f"a checkpoint line cannot be read ({type(exc).__name__})") from None


def parse_header(line: bytes) -> ExportHeader:
    try:
        obj = json.loads(line)
        if obj.get("type") != "header" or obj.get("format") != FORMAT:
            raise ExportUnreadable("this is not a docflow audit export")
        if obj.get("version") != VERSION:
            raise ExportUnreadable(f"export format version {obj.get('version')} is not supported")
        return ExportHeader(str(obj["organisation"]), str(obj["exported_at"]), int(obj["from_seq"]),
                            obj["to_seq"], str(obj["start_prev_hash"]),
                            tuple(p.encode("ascii") for p in obj["certificates"]),
                            tuple(base64.b64decode(c) for c in obj["crls"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ExportUnreadable(f"the export header cannot be read ({type(exc).__name__})") from None


_FLUSH: dict[str, Any] = {"type": "flush"}


def _lines(fh: IO[bytes], batch: list[tuple[Any, ...]]) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """(line number, object) per line; events in ``event_line``'s layout go to ``batch`` instead (with a
    ``flush`` object every 4096). None for a last line cut short."""
    number = 1
    for raw in fh:
        number += 1
        row = fast_event(raw)
        if row is not None:
            batch.append(row)
            if len(batch) >= 4096:
                yield number, _FLUSH
            continue
        try:
            obj = json.loads(raw)
        except ValueError:
            if not raw.endswith(b"\n"):
                yield number, None   # a partial last line: the file was cut short
                return
            raise ExportUnreadable(f"line {number} is not JSON") from None
        if not isinstance(obj, dict):
            raise ExportUnreadable(f"line {number} is not a JSON object")
        yield number, obj


def verify_export(path: Path, trust_roots: Sequence[bytes]) -> ChainReport:
    """Verify an export file against the auditor's trust roots; streams, so memory stays flat.

    Raises ExportUnreadable (and OSError) for input that cannot be read as an export.
    """
    with path.open("rb") as fh:
        header = parse_header(fh.readline())
        trust = Trust(trust_roots, intermediates=header.certificates, crls=header.crls)
        verifier = ChainVerifier(start_prev_hash=header.start_prev_hash, first_seq=header.from_seq, check=trust.check,
                                 locate=lambda digest: _locate(path, digest))
        end: dict[str, Any] | None = None
        batch: list[tuple[Any, ...]] = []
        for number, obj in _lines(fh, batch):
            kind = obj.get("type") if obj is not None else None
            if kind == "event" and obj is not None:
                batch.append(parse_event(obj))
                continue
            verifier.feed(batch)
            batch.clear()
            if kind == "checkpoint" and obj is not None:
                verifier.checkpoints.append(parse_checkpoint(obj))
            elif kind == "end" and obj is not None:
                end = obj
            elif obj is not None and kind != "flush":
                raise ExportUnreadable(f"line {number} has an unknown type {kind!r}")
            if verifier.done:
                break
        verifier.feed(batch)
    report = verifier.finish()
    notes = [*report.notes] + ([] if trust.revocation_checked else ["revocation not checked: the export has no CRL"])
    if report.problem is None and (end is None or end.get("last_seq") != report.last_seq):
        reached = report.last_seq or header.from_seq - 1
        problem = ChainProblem(reached + 1, ProblemKind.TRUNCATED,
                               "the export ends early: its last line is missing" if end is None
                               else f"the export says it ends at {end.get('last_seq')} but its events end at {reached}")
        return ChainReport(report.checked, report.first_seq, report.last_seq, problem, None,
                           report.checkpoints_checked, report.last_checkpoint, tuple(notes))
    return ChainReport(report.checked, report.first_seq, report.last_seq, report.problem,
                       report.proving_checkpoint_seq, report.checkpoints_checked, report.last_checkpoint,
                       tuple(notes))


def _locate(path: Path, digest: str) -> int | None:
    """The seq of the event line carrying ``digest`` (a second pass, only once something is wrong)."""
    needle = f'"hash":"{digest}"'.encode("ascii")
    with path.open("rb") as fh:
        for raw in fh:
            if needle in raw and raw.startswith(b'{"type":"event"'):
                seq = json.loads(raw)["seq"]
                return int(seq)
    return None


def line_of(path: Path, seq: int) -> int | None:
    """The line number of the event with ``seq`` (or the first after it), for reports."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if raw.startswith(b'{"type":"event"'):
                if json.loads(raw)["seq"] >= seq:
                    return number
    return None


__all__ = ["FORMAT", "GENESIS_HASH", "VERSION", "ExportHeader", "ExportUnreadable", "checkpoint_line", "end_line",
           "event_line", "header_line", "line_of", "parse_checkpoint", "parse_event", "parse_header", "verify_export"]
