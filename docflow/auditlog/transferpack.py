"""Archive transfer packages: a closed year's files (hồ sơ) handed to the archive as one ZIP, checked without any
database (issue 14 §2; Decree 30, Annex VI; rule R57).

Layout (an evidence pack's, ``docflow.auditlog.evidencepack``, plus the records' metadata and the ward's
signature over the manifest)::

    README.txt                      what is inside and how to verify it (Vietnamese, then English)
    manifest.json                   every other file with its SHA-256 (not the two below nor the signature)
    manifest.json.p7s               detached CMS signature of manifest.json by the ward's system key
    audit/events.jsonl              the audit segments of the documents and files, up to signed checkpoints
    metadata.xml                    R57 metadata of every file and its documents
    schema/r57.xsd                  the schema metadata.xml follows (byte for byte docflow's own)
    documents/<id>/v<N>.pdf         the issued (or registered) version as stored, and its latest renewal
    documents/<id>/verification.*, signature-chain.json, register-entry.json
    certificates/*.pem, crls/*.crl  the signers' certificates, the CA chain and its CRLs

Trust comes from the archive's copy of the ward's root only: the manifest's signature chains to it, the
manifest's SHA-256 is also in a ``records.transferred`` event under a signed checkpoint, and the manifest
proves every other file. The schema is taken from docflow itself: a package cannot bring a looser one.
Imports neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from lxml import etree

from docflow.auditlog import evidencepack
from docflow.auditlog.checkpoints import Trust, detached_problem
from docflow.auditlog.evidencepack import EVENTS, MANIFEST, PackReport, PackUnreadable, sha256_hex
from docflow.paths import PACKAGE_DIR

FORMAT = "docflow-archive-transfer"
SIGNATURE = "manifest.json.p7s"
METADATA = "metadata.xml"
SCHEMA = "schema/r57.xsd"
TRANSFER_ACTION = "records.transferred"
UNLISTED = frozenset({MANIFEST, EVENTS, SIGNATURE})
SCHEMA_PATH = PACKAGE_DIR / "data" / "r57.xsd"

# R57's order of the fields (the XSD's sequences); the optional ones are left out when empty.
FILE_FIELDS = ("FileCode", "Title", "Maintenance", "Rights", "Language", "Creator", "StartDate", "EndDate",
               "DocTotal", "PageTotal", "Description")
DOCUMENT_FIELDS = ("FileCode", "DocOrdinal", "TypeName", "CodeNumber", "CodeNotation", "IssuedDate", "OrganName",
                   "Subject", "Language", "PageAmount", "Description", "SignerInfo", "To", "Priority",
                   "IssuedAmount", "DueDate", "Format")
INCOMING_FIELDS = ("ArrivalDate", "ArrivalNumber", "ToPlaces", "TraceHeaderList")
TRACE_FIELDS = ("Time", "Person", "To", "Role", "Directive", "DueDate", "Status")
OPTIONAL = frozenset({"Description", "DueDate", "Format"})
LIST_ITEMS = {"To": "Recipient", "TraceHeaderList": "TraceHeader"}


class MetadataInvalid(ValueError):
    """metadata.xml does not follow the R57 schema; ``problems`` say where."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def shipped_schema() -> bytes:
    """docflow's own R57 schema (package data)."""
    return SCHEMA_PATH.read_bytes()


# --- metadata.xml --------------------------------------------------------------------------------------

def metadata_xml(*, year: int, files: Sequence[tuple[Mapping[str, Any],
                                                     Sequence[tuple[int, str, Mapping[str, Any]]]]]) -> bytes:
    """The R57 metadata of ``files``: each (the file's metadata, [(document id, kind, its metadata)]) as built
    by ``docflow.services.records.metadata``. A key R57 does not name is an error, never dropped."""
    root = etree.Element("ArchiveTransfer", year=str(year))
    for record, documents in files:
        node = etree.SubElement(root, "File")
        _fields(node, record, FILE_FIELDS, f"file {record.get('FileCode', {}).get('FileNotation', '')}")
        listing = etree.SubElement(node, "Documents")
        for document_id, kind, meta in documents:
            incoming = kind == "incoming"
            child = etree.SubElement(listing, "IncomingDocument" if incoming else "Document",
                                     id=str(document_id), kind=kind)
            _fields(child, meta, DOCUMENT_FIELDS + (INCOMING_FIELDS if incoming else ()), f"document {document_id}")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _fields(parent: Any, values: Mapping[str, Any], order: Sequence[str], where: str) -> None:
    unknown, missing = set(values) - set(order), set(order) - set(values) - OPTIONAL
    if unknown or missing:
        raise MetadataInvalid([f"{where}: " + "; ".join(
            text for text in (f"fields R57 does not name: {', '.join(sorted(unknown))}" if unknown else "",
                              f"fields R57 requires are missing: {', '.join(sorted(missing))}" if missing else "")
            if text)])
    try:
        for name in order:
            value = values.get(name)
            if not (name in OPTIONAL and value in (None, "")):
                _field(etree.SubElement(parent, name), name, value)
    except ValueError as exc:   # lxml refuses a control character XML cannot hold
        raise MetadataInvalid([f"{where}: {exc}"]) from None


def _field(element: Any, name: str, value: Any) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            etree.SubElement(element, key).text = _text(inner)
    elif isinstance(value, list):
        for item in value:
            entry = etree.SubElement(element, LIST_ITEMS[name])
            for key in TRACE_FIELDS if name == "TraceHeaderList" else item:
                if key in item and not (key == "DueDate" and item[key] in (None, "")):
                    etree.SubElement(entry, key).text = _text(item[key])
    else:
        element.text = _text(value)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def schema_problems(xml: bytes, schema: bytes | None = None) -> list[str]:
    """Why ``xml`` does not follow ``schema`` (default: docflow's own), each with its line; [] when valid."""
    try:
        xsd = etree.XMLSchema(etree.fromstring(schema or shipped_schema(), _parser()))
        document = etree.fromstring(xml, _parser())
    except (etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        return [f"not well-formed XML: {exc}"]
    # R57 metadata needs no DTD; one could only bring entities (never resolved here) or defaults.
    if document.getroottree().docinfo.doctype:
        return ["a DOCTYPE is not allowed in the metadata"]
    try:
        if xsd.validate(document):
            return []
    except etree.XMLSchemaValidateError as exc:
        return [f"cannot be validated: {exc}"]
    return [f"line {e.line}: {e.message}" for e in xsd.error_log]


def _parser() -> etree.XMLParser:
    """A parser for XML from a package: no entities resolved, nothing fetched."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def check_metadata(xml: bytes) -> None:
    """Raises MetadataInvalid unless ``xml`` follows docflow's R57 schema."""
    problems = schema_problems(xml)
    if problems:
        raise MetadataInvalid(problems)


# --- verification ----------------------------------------------------------------------------------------

def verify_transfer(path: Path, trust_roots: Sequence[bytes], *, time_limit_seconds: float = 60.0) -> PackReport:
    """Check a transfer package against the archive's copy of the ward's root (PEM or DER). Raises
    PackUnreadable."""
    members = evidencepack.read_members(path, kind="archive transfer package")
    listed = evidencepack.read_manifest(members)
    try:
        manifest = json.loads(members[MANIFEST])
    except ValueError:
        manifest = {}
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PackUnreadable(f"{path} is not an archive transfer package (its manifest's format is not {FORMAT})")
    evidencepack.check_trust_roots(trust_roots)
    report = PackReport()
    _check_signature(members, listed, manifest, trust_roots, report)
    evidencepack.check_contents(members, listed, trust_roots, report, anchor_action=TRANSFER_ACTION,
                                unlisted=UNLISTED, time_limit_seconds=time_limit_seconds)
    _check_metadata(members, listed, report)
    return report


def _check_signature(members: Mapping[str, bytes], listed: Mapping[str, str], manifest: Mapping[str, Any],
                     trust_roots: Sequence[bytes], report: PackReport) -> None:
    if SIGNATURE not in members:
        report.problem(SIGNATURE, "missing: the manifest is not signed by the ward")
        return
    intact = sorted(n for n, digest in listed.items() if n in members and sha256_hex(members[n]) == digest)
    try:
        trust = Trust(trust_roots, intermediates=[members[n] for n in intact if n.startswith("certificates/")],
                      crls=[members[n] for n in intact if n.startswith("crls/")])
        moment = datetime.fromisoformat(str(manifest.get("created_at")))
    except ValueError as exc:
        report.problem(MANIFEST, f"its time or the pack's certificates cannot be read: {exc}")
        return
    problem = detached_problem(members[SIGNATURE], members[MANIFEST], trust, moment)
    if problem is not None:
        report.problem(SIGNATURE, f"the manifest's signature does not verify under the trust root: {problem}")


def _check_metadata(members: Mapping[str, bytes], listed: Mapping[str, str], report: PackReport) -> None:
    """metadata.xml against docflow's own schema; the package's copy must be that schema, byte for byte; every
    document it names has its PDFs in the package, and every PDF's document is named."""
    own = shipped_schema()
    if SCHEMA not in members or sha256_hex(members[SCHEMA]) != sha256_hex(own):
        report.problem(SCHEMA, "is not docflow's R57 schema: a package may not bring its own")
    if METADATA not in members:
        report.problem(METADATA, "missing")
        return
    problems = schema_problems(members[METADATA], own)
    for problem in problems[:10]:
        report.problem(METADATA, f"does not follow the R57 schema: {problem}")
    if problems:
        return
    named = {e.get("id") for e in etree.fromstring(members[METADATA], _parser()).iter("Document", "IncomingDocument")}
    with_pdf = {n.split("/")[1] for n in listed if n.startswith("documents/") and n.endswith(".pdf")}
    for missing in sorted(named - with_pdf, key=str):
        report.problem(METADATA, f"document {missing} has no PDF in the package")
    for extra in sorted(with_pdf - named):
        report.problem(f"documents/{extra}/", "this document is not named in metadata.xml")
