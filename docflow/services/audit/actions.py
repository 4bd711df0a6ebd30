"""What the audit log records: one action per kind of event, stored as its string value."""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    SYSTEM_INITIALISED = "system.initialised"
    DEMO_SEEDED = "demo.seeded"
    USER_SIGNED_IN = "user.signed_in"
    USER_SIGN_IN_FAILED = "user.sign_in_failed"
    USER_SIGN_IN_LOCKED = "user.sign_in_locked"  # before migration 0011: the old hard lock
    USER_SIGN_IN_DELAYED = "user.sign_in_delayed"
    USER_SIGN_IN_ADDRESS_LIMITED = "user.sign_in_address_limited"
    USER_SIGN_IN_BUSY = "user.sign_in_busy"
    USER_SIGNED_OUT = "user.signed_out"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_DEACTIVATED = "user.deactivated"
    USER_REACTIVATED = "user.reactivated"
    USER_PASSWORD_CHANGED = "user.password_changed"
    USER_PASSWORD_CHANGE_FAILED = "user.password_change_failed"
    USER_LANGUAGE_CHANGED = "user.language_changed"
    DEPARTMENT_CREATED = "department.created"
    DEPARTMENT_UPDATED = "department.updated"
    DOCUMENT_UPLOADED = "document.uploaded"
    DOCUMENT_VERSION_ADDED = "document.version_added"
    DOCUMENT_METADATA_EDITED = "document.metadata_edited"
    DOCUMENT_VIEWED = "document.viewed"
    DOCUMENT_DOWNLOADED = "document.downloaded"
    DOCUMENT_ACCESS_GRANTED = "document.access_granted"
    AUDIT_VERIFIED = "audit.verified"
    AUDIT_EXPORTED = "audit.exported"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    SIGNATURE_IMAGE_CHANGED = "user.signature_image_changed"
    SEAL_IMAGE_CHANGED = "organisation.seal_image_changed"
    DOCUMENT_SIGNED = "document.signed"
    FILE_SIGNED = "file.signed"   # `docflow sign --user`: a file outside docflow's documents, with a ward key
    DOCUMENT_SIGNING_REFUSED = "document.signing_refused"
    DOCUMENT_VERIFIED = "document.verified"
    # the workflow (issue 4)
    INCOMING_REGISTERED = "incoming.registered"
    DOCUMENT_DIRECTED = "document.directed"
    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_FORWARDED = "assignment.forwarded"
    ASSIGNMENT_COMPLETED = "assignment.completed"
    ASSIGNMENT_ESCALATED = "assignment.escalated"
    CONTRIBUTION_ADDED = "assignment.contribution_added"      # a co-handler's contribution (R43)
    COMPLETION_PROPOSED = "completion.proposed"               # the lead proposes completion with a result
    COMPLETION_ACCEPTED = "completion.accepted"               # the assigning head or leader accepts: completed
    COMPLETION_RETURNED = "completion.returned"               # ... or returns it to the lead with a reason
    OPINION_ADDED = "opinion.added"
    DRAFT_CREATED = "draft.created"
    ROUTE_STARTED = "route.started"
    STEP_APPROVED = "step.approved"
    STEP_RETURNED = "step.returned"
    DOCUMENT_ISSUED = "document.issued"
    NUMBER_ASSIGNED = "register.number_assigned"
    DOCUMENT_DISTRIBUTED = "document.distributed"
    COPY_DELIVERED = "document.copy_delivered"   # a copy for information of an issued document, to a department
    DOCUMENT_REPLACED = "document.replaced"
    DOCUMENT_CORRECTED = "document.corrected"
    DOCUMENT_RECALLED = "document.recalled"
    DELEGATION_CREATED = "delegation.created"
    DELEGATION_REVOKED = "delegation.revoked"
    REGISTER_EXPORTED = "register.exported"
    REGISTER_SERIES_CHANGED = "register.series_changed"
    REGISTER_CLOSED = "register.closed"
    # auditors (issue 5)
    SIGNATURE_CHAIN_CHECKED = "document.signature_chain_checked"
    EVIDENCE_EXPORTED = "evidence.exported"
    ACCESS_CHANGE_CONFIRMED = "access_change.confirmed"
    # signing keys and PINs (issue 10)
    KEY_PIN_WRONG = "key.pin_wrong"
    KEY_LOCKED = "key.locked"
    KEY_REFUSED_LOCKED = "key.refused_locked"
    KEY_UNLOCKED = "key.unlocked"
    KEY_PIN_SET = "key.pin_set"
    KEY_PIN_CHANGED = "key.pin_changed"
    KEY_REWRAPPED = "key.rewrapped"
    # access changes that wait for a leader's confirmation before they take effect (issue 10)
    CONFIDENTIALITY_LOWERING_PROPOSED = "document.confidentiality_lowering_proposed"
    ASSIGNMENT_FORWARD_PROPOSED = "assignment.forward_proposed"
    ACCESS_CHANGE_DECLINED = "access_change.declined"
    # attachments as files of their own, and copies (issue 12)
    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_REMOVED = "attachment.removed"
    ATTACHMENT_SIGNED = "attachment.signed"
    COPY_MADE = "copy.made"
    # the Annex I format check (issue 12): the ward moved checks between blocking and warning
    FORMAT_CHECK_POLICY_CHANGED = "format_check.policy_changed"
    # full-text search (issue 13): a result list leaves the system only on the record
    SEARCH_EXPORTED = "search.exported"
    # records (issue 14): the file plan, files, their documents, appraisal and destruction
    FILE_PLAN_CHANGED = "records.plan_changed"          # a plan made, a heading or a file entry added or changed
    FILE_PLAN_APPROVED = "records.plan_approved"
    FILE_PLAN_COPIED = "records.plan_copied"
    FILE_OPENED = "records.file_opened"
    FILE_DOCUMENT_ADDED = "records.document_added"
    FILE_DOCUMENT_REMOVED = "records.document_removed"
    FILE_HOME_CHANGED = "records.home_changed"
    FILE_CLOSED = "records.file_closed"
    FILE_REOPENED = "records.file_reopened"
    FILES_DESTROYED = "records.files_destroyed"
    RECORDS_TRANSFERRED = "records.transferred"         # a closed year's files packed for the archive (manifest SHA-256)
    # long-term validity (issue 14): an issued version renewed at PAdES B-LTA, and each run of the renewal
    DOCUMENT_RENEWED = "document.renewed"
    RENEWAL_RUN = "archive.renewal_run"
    # backup and restore (issue 14): a backup made, with its manifest's SHA-256; an instance restored from one
    BACKUP_MADE = "backup.made"
    BACKUP_RESTORED = "backup.restored"
    # bringing the past in (issue 14 §4): each document imported from the previous system, and each run's counts
    DOCUMENT_IMPORTED = "document.imported"
    IMPORT_RUN = "import.run"
    ORGAN_ID_SET = "organisation.organ_id_set"
    # exchange transport (issue 15 §1): a message the partner confirmed (its recipient now "sent"), one the partner
    # refused for good, and one put back in the queue by hand
    EXCHANGE_DELIVERED = "exchange.delivered"
    EXCHANGE_REFUSED_BY_PARTNER = "exchange.refused_by_partner"
    EXCHANGE_REQUEUED = "exchange.requeued"
    # exchange with other agencies (issue 15 §1): partners trusted, every edXML message sent or received, a
    # document exported to a file, and the clerk's answers to a received document and to a recall request
    EXCHANGE_PARTNER_ADDED = "exchange.partner_added"
    EXCHANGE_PARTNER_DEACTIVATED = "exchange.partner_deactivated"
    EXCHANGE_MESSAGE_SENT = "exchange.message_sent"
    EXCHANGE_MESSAGE_RECEIVED = "exchange.message_received"
    EXCHANGE_DOCUMENT_EXPORTED = "exchange.document_exported"
    EXCHANGE_RETURNED = "exchange.returned"
    EXCHANGE_RECALL_AGREED = "exchange.recall_agreed"
    EXCHANGE_RECALL_REFUSED = "exchange.recall_refused"
    # public verification (issue 15 §2): the footer with the QR code and the public code, before the first signature
    PUBLIC_FOOTER_ADDED = "public.footer_added"
    # citizens' petitions (issue 15 §3): received, routed, answered (by text or by an issued document), the
    # apology drafted and issued when an answer would be late (R68), rated by the citizen, closed
    PETITION_RECEIVED = "petition.received"
    PETITION_ASSIGNED = "petition.assigned"
    PETITION_ANSWER_DRAFTED = "petition.answer_drafted"
    PETITION_ANSWERED = "petition.answered"
    PETITION_APOLOGY_DRAFTED = "petition.apology_drafted"
    PETITION_APOLOGY_ISSUED = "petition.apology_issued"
    PETITION_RATED = "petition.rated"
    PETITION_CLOSED = "petition.closed"
    # the programmatic interface (issue 15 §4): clients made and revoked, and every call a client makes
    API_CLIENT_CREATED = "api.client_created"
    API_CLIENT_REVOKED = "api.client_revoked"
    API_CALLED = "api.called"
