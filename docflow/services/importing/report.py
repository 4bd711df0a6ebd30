"""The report of an import run: one entry per refused row (line, English key, reason in Vietnamese and in
English) and per imported row whose signatures did not verify, written as the rows are entered (CSV or JSON,
by the file's extension), so a run of any length keeps nothing in memory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from docflow import csvexport
from docflow.errors import N_
from docflow.mail import translate
from docflow.services.importing.entering import ALREADY, IMPORTED, INVALID, REFUSED, Outcome

INVALID_SIGNATURES = N_("Imported, but the signatures in this PDF are not valid: %(problem)s")
FIELDS = ("line", "status", "key", "reason_vi", "reason_en", "document_id", "signatures", "signature_problem")


@dataclass
class Counts:
    """How many rows of a run were imported, found imported already, refused; and how many imported or
    already imported documents carry signatures that verify, do not, or none."""
    imported: int = 0
    already_imported: int = 0
    refused: int = 0
    signatures: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        if outcome.status == IMPORTED:
            self.imported += 1
        elif outcome.status == ALREADY:
            self.already_imported += 1
        else:
            self.refused += 1
        if outcome.signatures:
            self.signatures[outcome.signatures] = self.signatures.get(outcome.signatures, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "already_imported": self.already_imported, "refused": self.refused,
                "signatures": dict(sorted(self.signatures.items()))}


def entry(outcome: Outcome) -> dict[str, Any]:
    """A row's line of the report."""
    refusal = outcome.refusal
    reason_vi = translate("vi", refusal.message, refusal.params) if refusal else ""
    reason_en = (refusal.message % refusal.params if refusal.params else refusal.message) if refusal else ""
    if outcome.status != REFUSED and outcome.signatures == INVALID:
        params = {"problem": outcome.signature_problem}
        reason_vi, reason_en = translate("vi", INVALID_SIGNATURES, params), INVALID_SIGNATURES % params
    return {"line": outcome.line, "status": outcome.status,
            "key": refusal.key if refusal else ("invalid_signature" if outcome.signatures == INVALID else ""),
            "reason_vi": reason_vi, "reason_en": reason_en, "document_id": outcome.document_id,
            "signatures": outcome.signatures, "signature_problem": outcome.signature_problem}


def reported(outcome: Outcome) -> bool:
    """A refused row, or an imported one whose signatures are invalid."""
    return outcome.status == REFUSED or outcome.signatures == INVALID


class ReportWriter:
    """Writes the report as rows come: ``PATH.json`` a JSON array, anything else CSV (UTF-8 with BOM, so
    Excel opens the Vietnamese text right)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh: IO[str] | None = None
        self._sheet: Any = None
        self._first = True

    def __enter__(self) -> ReportWriter:
        if self.path is not None:
            as_json = self.path.suffix.lower() == ".json"
            self._fh = self.path.open("w", encoding="utf-8" if as_json else "utf-8-sig", newline="")
            if as_json:
                self._fh.write("[")
            else:
                self._sheet = csvexport.writer(self._fh)   # cells from the index never run as formulas
                self._sheet.writerow(FIELDS)
        return self

    def write(self, outcome: Outcome) -> None:
        if self._fh is None or not reported(outcome):
            return
        if self._sheet is not None:
            line = entry(outcome)
            self._sheet.writerow([line[name] for name in FIELDS])
            return
        self._fh.write(("\n  " if self._first else ",\n  ") + json.dumps(entry(outcome), ensure_ascii=False))
        self._first = False

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._fh is not None:
            if self._sheet is None:
                self._fh.write("\n]\n")
            self._fh.close()
