"""Attachments and appendices as files of their own (Decree 30, Annex I: R29, R30)."""

from docflow.services.attachments.files import (
    Listed,
    add_attachment,
    attachment_file,
    attachments_of,
    can_change,
    get_attachment_for,
    labelled,
    list_attachments,
    remove_attachment,
    roman,
)
from docflow.services.attachments.signing import sign_attachments

__all__ = ["Listed", "add_attachment", "attachment_file", "attachments_of", "can_change", "get_attachment_for", "labelled",
           "list_attachments", "remove_attachment", "roman", "sign_attachments"]
