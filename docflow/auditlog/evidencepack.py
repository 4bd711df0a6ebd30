"""Evidence packs: one ZIP that proves what docflow did with a document, checked without any database.

Layout::

    README.txt                      what is inside and how to verify it (Vietnamese, then English)
    manifest.json                   every other file with its SHA-256, except the two below
    audit/events.jsonl              the audit segments: the documents' events in full, digests of the
                                    events in between, each segment up to the signed checkpoint covering it
    documents/<id>/v<N>.pdf         every stored version, as stored
    documents/<id>/verification.json, verification.html, signature-chain.json, register-entry.json
    certificates/*.pem, crls/*.crl  the signers' certificates, the CA chain and its CRLs

The manifest is anchored in the chain: building a pack records an ``evidence.exported`` event carrying the
manifest's SHA-256, and a checkpoint signed after it covers that event. So ``verify_pack`` trusts nothing in
the ZIP but the auditor's trust root: the checkpoints' signatures prove the events, an event proves the
manifest, and the manifest proves every other file. Imports neither Flask nor SQLAlchemy: ``docflow evidence
verify`` runs on a machine with only docflow installed. The packs are built from the database by
``docflow.services.evidence``; the PDFs' signatures are checked by ``docflow.signing.verify``.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docflow.auditlog.chain import ChainVerifier
from docflow.auditlog.checkpoints import Checkpoint, Trust
from docflow.auditlog.export import ExportUnreadable, parse_checkpoint, parse_event
from docflow.errors import ConfigurationError, UnreadablePdfError
from docflow.signing.verify import TrustSettings, verify_pdf

FORMAT, VERSION = "docflow-evidence-pack", 1
MANIFEST = "manifest.json"
EVENTS = "audit/events.jsonl"
EXPORT_ACTION = "evidence.exported"
UNLISTED = frozenset({MANIFEST, EVENTS})
MAX_MEMBER = 512 * 1024 * 1024


class PackUnreadable(Exception):
    """The file is not a ZIP, or not an evidence pack docflow can read."""


@dataclass(frozen=True)
class PackFinding:
    path: str          # the file it is about ("" for the pack as a whole)
    message: str


@dataclass
class PackReport:
    problems: list[PackFinding] = field(default_factory=list)
    notes: list[PackFinding] = field(default_factory=list)
    files_checked: int = 0
    events_checked: int = 0
    checkpoints: list[int] = field(default_factory=list)
    signatures_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, path: str, message: str) -> None:
        self.problems.append(PackFinding(path, message))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(*, files: Mapping[str, bytes], meta: Mapping[str, Any]) -> bytes:
    """The manifest of ``files`` (path → content): canonical JSON, so its SHA-256 is stable."""
    listed = [{"path": path, "sha256": sha256_hex(data), "size": len(data)} for path, data in sorted(files.items())]
    body = {"format": FORMAT, "version": VERSION, **meta, "files": listed}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest_line(seq: int, content_sha256: str, prev_hash: str, digest: str) -> str:
    """An event given by its content digest only (an event of another object between the documents')."""
    return json.dumps({"type": "event", "seq": seq, "content_sha256": content_sha256, "prev_hash": prev_hash,
                       "hash": digest}) + "\n"


def segment_line(first_seq: int, checkpoint_seq: int) -> str:
    return json.dumps({"type": "segment", "from_seq": first_seq, "checkpoint_seq": checkpoint_seq}) + "\n"


def write_pack(path_or_file: Any, *, files: Mapping[str, bytes], manifest: bytes, events: str) -> None:
    with zipfile.ZipFile(path_or_file, "w", compression=zipfile.ZIP_DEFLATED) as pack:
        pack.writestr(MANIFEST, manifest)
        pack.writestr(EVENTS, events.encode("utf-8"))
        for name, data in sorted(files.items()):
            pack.writestr(name, data)


# --- verification ------------------------------------------------------------------------------------

def verify_pack(path: Path, trust_roots: Sequence[bytes], *, time_limit_seconds: float = 60.0) -> PackReport:
    """Check a pack against the auditor's trust roots (PEM or DER). Raises PackUnreadable."""
    members = read_members(path, kind="evidence pack")
    listed = read_manifest(members)
    check_trust_roots(trust_roots)
    report = PackReport()
    check_contents(members, listed, trust_roots, report, anchor_action=EXPORT_ACTION, unlisted=UNLISTED,
                   time_limit_seconds=time_limit_seconds)
    return report


def read_members(path: Path, *, kind: str) -> dict[str, bytes]:
    """Every file of the ZIP at ``path`` (a docflow ``kind`` of pack: it holds the manifest and the audit
    events). Raises PackUnreadable."""
    try:
        with zipfile.ZipFile(path) as pack:
            members = {info.filename: _read(pack, info) for info in pack.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise PackUnreadable(f"{path} is not a readable ZIP file ({exc})") from None
    if MANIFEST not in members or EVENTS not in members:
        raise PackUnreadable(f"{path} is not a docflow {kind}: {MANIFEST} or {EVENTS} is missing")
    return members


def read_manifest(members: Mapping[str, bytes]) -> dict[str, str]:
    """path → SHA-256 as the manifest lists them. Raises PackUnreadable."""
    try:
        manifest = json.loads(members[MANIFEST])
        return {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    except (ValueError, KeyError, TypeError) as exc:
        raise PackUnreadable(f"{MANIFEST} cannot be read ({type(exc).__name__})") from None


def check_trust_roots(trust_roots: Sequence[bytes]) -> None:
    """Raises PackUnreadable when a trust root cannot be read."""
    try:
        TrustSettings.from_pem_bytes(trust_roots)
    except ConfigurationError as exc:
        raise PackUnreadable(f"the trust root cannot be read: {exc}") from None


def check_contents(members: Mapping[str, bytes], listed: Mapping[str, str], trust_roots: Sequence[bytes],
                   report: PackReport, *, anchor_action: str, unlisted: frozenset[str],
                   time_limit_seconds: float) -> None:
    """What every docflow pack proves: each file against the manifest (none missing, none added but
    ``unlisted``), the audit segments up to their signed checkpoints, the manifest's SHA-256 in a verified
    ``anchor_action`` event, each PDF as the version the audit trail recorded, and the PDFs' signatures."""
    _check_files(members, listed, report, unlisted)
    rows = _check_events(members[EVENTS], members, listed, trust_roots, report)
    _check_anchor(rows, sha256_hex(members[MANIFEST]), report, anchor_action)
    _check_versions(rows, members, listed, report)
    _check_pdfs(members, listed, trust_roots, report, time_limit_seconds)


def _read(pack: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MEMBER:
        raise PackUnreadable(f"{info.filename} is larger than {MAX_MEMBER // (1 << 20)} MB")
    try:
        return pack.read(info)
    except (zipfile.BadZipFile, ValueError) as exc:
        raise PackUnreadable(f"{info.filename} cannot be read from the ZIP ({exc})") from None


def _check_files(members: Mapping[str, bytes], listed: Mapping[str, str], report: PackReport,
                 unlisted: frozenset[str]) -> None:
    for name, expected in sorted(listed.items()):
        if name not in members:
            report.problem(name, "listed in the manifest but missing from the pack")
        elif sha256_hex(members[name]) != expected:
            report.problem(name, f"SHA-256 {sha256_hex(members[name])[:16]}… does not match the manifest "
                                 f"({expected[:16]}…): the file was changed")
        else:
            report.files_checked += 1
    for name in sorted(set(members) - set(listed) - unlisted):
        report.problem(name, "not listed in the manifest: the file was added")


def _check_events(raw: bytes, members: Mapping[str, bytes], listed: Mapping[str, str],
                  trust_roots: Sequence[bytes], report: PackReport) -> list[tuple[Any, ...]]:
    """Verify every segment up to its signed checkpoint; return the full rows (the documents' events)."""
    # Only files the manifest vouches for (a changed one is already reported by _check_files).
    intact = {n for n, digest in listed.items() if n in members and sha256_hex(members[n]) == digest}
    try:
        trust = Trust(trust_roots, intermediates=[members[n] for n in sorted(intact) if n.startswith("certificates/")],
                      crls=[members[n] for n in sorted(intact) if n.startswith("crls/")])
    except ValueError as exc:
        report.problem("certificates/", f"a certificate or CRL of the pack cannot be read: {exc}")
        return []
    segments: list[tuple[dict[str, Any], list[Any]]] = []
    try:
        for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            obj = json.loads(line)
            kind = obj.get("type")
            if kind == "segment":
                segments.append((obj, []))
            elif kind in ("event", "checkpoint") and segments:
                segments[-1][1].append(parse_event(obj) if kind == "event" else parse_checkpoint(obj))
            else:
                raise ValueError(f"line {number}: unexpected {kind!r}")
    except (ValueError, UnicodeDecodeError, ExportUnreadable, AttributeError) as exc:
        report.problem(EVENTS, f"cannot be read: {exc}")
        return []
    if not segments:
        report.problem(EVENTS, "holds no audit segment")
    full: list[tuple[Any, ...]] = []
    for header, items in segments:
        full.extend(_verify_segment(header, items, trust, report))
    return full


def _verify_segment(header: Mapping[str, Any], items: Sequence[Any], trust: Trust,
                    report: PackReport) -> list[tuple[Any, ...]]:
    verifier = ChainVerifier(start_prev_hash=None, first_seq=header.get("from_seq"), check=trust.check)
    rows: list[tuple[Any, ...]] = []
    for item in items:
        if isinstance(item, Checkpoint):
            verifier.checkpoints.append(item)
        else:
            verifier.feed([item])
            rows.append(item)
    result = verifier.finish()
    where = f"events #{header.get('from_seq')}–#{header.get('checkpoint_seq')}"
    if result.problem is not None:
        report.problem(EVENTS, f"{where}: {result.problem.kind.value} at event #{result.problem.seq}: "
                               f"{result.problem.detail}")
    elif result.last_checkpoint is None or result.last_checkpoint.seq != header.get("checkpoint_seq") \
            or result.last_seq != header.get("checkpoint_seq"):
        report.problem(EVENTS, f"{where}: no signed checkpoint that verifies under the trust root covers them")
    else:
        report.events_checked += result.checked
        report.checkpoints.append(result.last_checkpoint.seq)
    return [row for row in rows if len(row) in (10, 11)]


def _details(row: Sequence[Any]) -> dict[str, Any]:
    try:
        value = json.loads(row[7])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _check_anchor(rows: Iterable[Sequence[Any]], manifest_sha256: str, report: PackReport, action: str) -> None:
    anchored = any(row[4] == action and _details(row).get("manifest_sha256") == manifest_sha256 for row in rows)
    if not anchored:
        report.problem(MANIFEST, "no verified audit event records this manifest's SHA-256: the manifest was "
                                 "changed or the pack was not made by docflow")


def _check_versions(rows: Iterable[Sequence[Any]], members: Mapping[str, bytes], listed: Mapping[str, str],
                    report: PackReport) -> None:
    """Every PDF version in the pack is the one the audit trail recorded for that document and version."""
    recorded: dict[tuple[str, int], str] = {}
    for row in rows:
        details = _details(row)
        if row[5] == "document" and isinstance(details.get("sha256"), str) and row[4] in _HASH_ACTIONS:
            number = details.get("version", 1)
            recorded.setdefault((row[6], number if isinstance(number, int) else 1), details["sha256"])
    for name in sorted(listed):
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "documents" and parts[2].startswith("v") and parts[2].endswith(".pdf"):
            key = (parts[1], int(parts[2][1:-4]) if parts[2][1:-4].isdigit() else -1)
            if name in members and recorded.get(key) != sha256_hex(members[name]):
                report.problem(name, "the audit trail does not record this file as that version of the document")


_HASH_ACTIONS = frozenset({"document.uploaded", "document.version_added", "document.signed", "incoming.registered",
                           "document.renewed"})


def _check_pdfs(members: Mapping[str, bytes], listed: Mapping[str, str], trust_roots: Sequence[bytes],
                report: PackReport, time_limit_seconds: float) -> None:
    """The signatures of each document's last version (which carries every earlier signature)."""
    trust = TrustSettings.from_pem_bytes(trust_roots, time_limit_seconds=time_limit_seconds)
    last: dict[str, tuple[int, str]] = {}
    for name in listed:
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "documents" and parts[2].endswith(".pdf") and parts[2][1:-4].isdigit():
            number = int(parts[2][1:-4])
            if number > last.get(parts[1], (0, ""))[0]:
                last[parts[1]] = (number, name)
    for _number, name in sorted(last.values(), key=lambda v: v[1]):
        if name not in members or b"/ByteRange" not in members[name]:
            continue
        try:
            result = verify_pdf(members[name], trust)
        except UnreadablePdfError as exc:
            report.problem(name, f"the PDF cannot be read: {exc}")
            continue
        report.signatures_checked += sum(1 for s in result.signatures if not s.is_timestamp)
        if not result.valid:
            reasons = [p.text("en") for s in result.signatures for p in s.problems] + [p.text("en") for p in result.errors]
            report.problem(name, "its signatures do not verify under the trust root: " + "; ".join(reasons[:4]))
