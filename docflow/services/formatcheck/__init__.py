"""The Annex I format check in the flows: the ward's policy (settings), the check of a document's current
version with its findings kept per version (review), and what a personal signature waits for (gate:
imported by services.signatures itself, so not re-exported here)."""

from docflow.services.formatcheck.review import (
    CHECKER,
    FormatRefusedError,
    FormatReview,
    expectation_for,
    findings_for,
    require_format,
    review_of,
)
from docflow.services.formatcheck.settings import blocking_codes, set_blocking_codes

__all__ = ["CHECKER", "FormatRefusedError", "FormatReview", "blocking_codes", "expectation_for", "findings_for",
           "require_format", "review_of", "set_blocking_codes"]
