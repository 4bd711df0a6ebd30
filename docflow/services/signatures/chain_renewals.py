"""The chain check's renewal steps: a version of kind "renewal" is accepted, and named as the B-LTA renewal it
is, only when it renews the issued version (or a renewal of it) and its bytes are the issued bytes followed by
nothing but validation data and document timestamps (``check_renewal``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import tzinfo

from docflow.errors import N_, UnreadablePdfError
from docflow.models import DocumentVersion
from docflow.services.signatures.chain_findings import ChainStep, Finding
from docflow.storage import BlobMissingError, DocumentStore

RENEWAL_TITLE = N_("Signature validity renewed (B-LTA) on %(date)s")


def renewal_step(store: DocumentStore, version: DocumentVersion, issued_ids: Collection[int], zone: tzinfo,
                 problems: list[Finding]) -> ChainStep:
    """The step of a renewal version: named with its date, with what makes it no true renewal (added to the
    audit and storage ``problems`` already found)."""
    base = version.renewal_base
    if base.id not in issued_ids:
        problems.append(Finding.of(N_("Version %(n)s is marked as a renewal, but it does not renew the issued "
                                      "version."), n=version.number))
    else:
        problems.extend(_byte_problems(store, version, base))
    day = version.created_at.astimezone(zone).strftime("%d/%m/%Y")
    return ChainStep("renewal", Finding.of(RENEWAL_TITLE, date=day), version.created_at, version.author_name,
                     tuple(problems),
                     (Finding.of(N_("Version %(n)s: the issued version %(issued)s with validation data and a "
                                    "document timestamp appended"), n=version.number, issued=base.number),
                      Finding.of(N_("SHA-256 %(sha256)s"), sha256=version.sha256)))


def _byte_problems(store: DocumentStore, version: DocumentVersion, base: DocumentVersion) -> list[Finding]:
    # pyHanko takes seconds to import: only a check of a renewed document pays for it, not the CLI's start.
    from docflow.signing.renewal import check_renewal
    try:
        check = check_renewal(store.read(base.sha256), store.read(version.sha256))
    except (BlobMissingError, UnreadablePdfError):
        return []   # a missing file is the storage step's finding already
    return [Finding.of(N_("Version %(n)s is not a true renewal: %(reason)s"), n=version.number,
                       reason=Finding.of(p.message, **p.params).text())
            for p in check.problems]
