"""What each audit action says to a person: one sentence per action (an English msgid with ``%(actor)s``,
``%(object)s`` and, for some, ``%(person)s``, ``%(version)s`` or ``%(number)s``), and the area it belongs to,
for the log's grouped action filter. Only how events are shown; the chain stores the action codes."""

from __future__ import annotations

from dataclasses import dataclass

from docflow.errors import N_
from docflow.services.audit.actions import AuditAction as A


@dataclass(frozen=True)
class Sentence:
    name: str        # the action's short name, for the filter: "Document signed"
    msgid: str       # the sentence: "%(actor)s signed the document %(object)s (version %(version)s)"
    area: str


AREAS: dict[str, str] = {
    "account": N_("Sign-in and accounts"),
    "incoming": N_("Incoming documents"),
    "outgoing": N_("Outgoing documents"),
    "documents": N_("Documents and files"),
    "signing": N_("Digital signatures"),
    "keys": N_("Certificates and signing keys"),
    "access": N_("Access rights"),
    "admin": N_("Administration"),
    "audit": N_("Audit and evidence"),
    "records": N_("Records (files)"),
    "exchange": N_("Exchange with other agencies"),
    "public": N_("Public pages and citizens"),
    "api": N_("Programmatic interface (API)"),
}

_S = Sentence
SENTENCES: dict[A, Sentence] = {
    A.SYSTEM_INITIALISED: _S(N_("System set up"), N_("%(actor)s set up docflow for %(object)s"), "admin"),
    A.DEMO_SEEDED: _S(N_("Demonstration data loaded"),
        N_("%(actor)s loaded the demonstration data into %(object)s"), "admin"),
    A.USER_SIGNED_IN: _S(N_("Signed in"), N_("%(actor)s signed in"), "account"),
    A.USER_SIGN_IN_FAILED: _S(N_("Failed sign-in"), N_("Failed sign-in to the account %(object)s"), "account"),
    A.USER_SIGN_IN_LOCKED: _S(N_("Sign-in refused (account locked)"),
        N_("Sign-in to the account %(object)s refused: the account was locked"), "account"),
    A.USER_SIGN_IN_DELAYED: _S(N_("Sign-in delayed"),
        N_("Sign-in to the account %(object)s delayed after repeated failures"), "account"),
    A.USER_SIGN_IN_ADDRESS_LIMITED: _S(N_("Sign-in refused (too many attempts from one address)"),
        N_("Sign-in to the account %(object)s refused: too many attempts from "
           "one address"), "account"),
    A.USER_SIGN_IN_BUSY: _S(N_("Sign-in postponed (server busy)"),
        N_("Sign-in to the account %(object)s postponed: the server was busy"), "account"),
    A.USER_SIGNED_OUT: _S(N_("Signed out"), N_("%(actor)s signed out"), "account"),
    A.USER_CREATED: _S(N_("Account created"), N_("%(actor)s created the account of %(object)s"), "admin"),
    A.USER_UPDATED: _S(N_("Account changed"), N_("%(actor)s changed the account of %(object)s"), "admin"),
    A.USER_DEACTIVATED: _S(N_("Account deactivated"), N_("%(actor)s deactivated the account of %(object)s"), "admin"),
    A.USER_REACTIVATED: _S(N_("Account reactivated"), N_("%(actor)s reactivated the account of %(object)s"), "admin"),
    A.USER_PASSWORD_CHANGED: _S(N_("Password changed"), N_("%(actor)s changed their password"), "account"),
    A.USER_PASSWORD_CHANGE_FAILED: _S(N_("Password change failed"),
        N_("%(actor)s failed to change their password"), "account"),
    A.USER_LANGUAGE_CHANGED: _S(N_("Display language changed"),
        N_("%(actor)s changed the display language"), "account"),
    A.DEPARTMENT_CREATED: _S(N_("Department created"), N_("%(actor)s created the department %(object)s"), "admin"),
    A.DEPARTMENT_UPDATED: _S(N_("Department changed"), N_("%(actor)s changed the department %(object)s"), "admin"),
    A.DOCUMENT_UPLOADED: _S(N_("Document uploaded"), N_("%(actor)s uploaded the document %(object)s"), "documents"),
    A.DOCUMENT_VERSION_ADDED: _S(N_("Version added"),
        N_("%(actor)s added version %(version)s of the document %(object)s"), "documents"),
    A.DOCUMENT_METADATA_EDITED: _S(N_("Document details edited"),
        N_("%(actor)s edited the details of the document %(object)s"), "documents"),
    A.DOCUMENT_VIEWED: _S(N_("Document viewed"), N_("%(actor)s viewed the document %(object)s"), "documents"),
    A.DOCUMENT_DOWNLOADED: _S(N_("Document downloaded"),
        N_("%(actor)s downloaded the document %(object)s"), "documents"),
    A.DOCUMENT_ACCESS_GRANTED: _S(N_("Access to a confidential document granted"),
        N_("%(actor)s gave %(person)s access to the confidential document %(object)s"),
           "access"),
    A.AUDIT_VERIFIED: _S(N_("Audit log verified"), N_("%(actor)s verified the integrity of the audit log"), "audit"),
    A.AUDIT_EXPORTED: _S(N_("Audit log exported"), N_("%(actor)s exported the audit log"), "audit"),
    A.CERTIFICATE_ISSUED: _S(N_("Certificate issued"),
        N_("%(actor)s issued the signing certificate of %(object)s"), "keys"),
    A.CERTIFICATE_REVOKED: _S(N_("Certificate revoked"),
        N_("%(actor)s revoked the signing certificate of %(object)s"), "keys"),
    A.SIGNATURE_IMAGE_CHANGED: _S(N_("Signature image changed"),
        N_("%(actor)s changed their signature image"), "account"),
    A.SEAL_IMAGE_CHANGED: _S(N_("Seal image changed"), N_("%(actor)s changed the ward's seal image"), "admin"),
    A.DOCUMENT_SIGNED: _S(N_("Document signed"),
        N_("%(actor)s signed the document %(object)s (version %(version)s)"), "signing"),
    A.FILE_SIGNED: _S(N_("File signed from the command line"),
        N_("%(actor)s signed the file %(object)s from the command line"), "signing"),
    A.DOCUMENT_SIGNING_REFUSED: _S(N_("Signing refused"),
        N_("%(actor)s was refused signing the document %(object)s"), "signing"),
    A.DOCUMENT_VERIFIED: _S(N_("Signatures verified"),
        N_("%(actor)s verified the signatures of %(object)s"), "signing"),
    A.INCOMING_REGISTERED: _S(N_("Incoming document registered"),
        N_("%(actor)s registered the incoming document %(object)s"), "incoming"),
    A.DOCUMENT_DIRECTED: _S(N_("Handling directed"),
        N_("%(actor)s directed the handling of the document %(object)s"), "incoming"),
    A.ASSIGNMENT_CREATED: _S(N_("Handler assigned"),
        N_("%(actor)s assigned the document %(object)s to %(person)s"), "incoming"),
    A.ASSIGNMENT_FORWARDED: _S(N_("Forwarded"),
        N_("%(actor)s forwarded the document %(object)s to %(person)s"), "incoming"),
    A.ASSIGNMENT_COMPLETED: _S(N_("Handling completed"),
        N_("%(actor)s completed the handling of the document %(object)s"), "incoming"),
    A.ASSIGNMENT_ESCALATED: _S(N_("Overdue handling reported"),
        N_("%(actor)s reported the overdue handling of the document %(object)s to the "
           "level above"), "incoming"),
    A.CONTRIBUTION_ADDED: _S(N_("Co-handler's contribution sent"),
        N_("%(actor)s sent a co-handler's contribution on the document %(object)s"),
           "incoming"),
    A.COMPLETION_PROPOSED: _S(N_("Completion proposed"),
        N_("%(actor)s proposed completing the document %(object)s"), "incoming"),
    A.COMPLETION_ACCEPTED: _S(N_("Completion accepted"),
        N_("%(actor)s accepted the result of handling the document %(object)s"), "incoming"),
    A.COMPLETION_RETURNED: _S(N_("Completion returned"),
        N_("%(actor)s returned the result of handling the document %(object)s for more "
           "work"), "incoming"),
    A.OPINION_ADDED: _S(N_("Opinion given"), N_("%(actor)s gave an opinion on the document %(object)s"), "incoming"),
    A.DRAFT_CREATED: _S(N_("Draft created"), N_("%(actor)s created the draft %(object)s"), "outgoing"),
    A.ROUTE_STARTED: _S(N_("Submitted for review and signature"),
        N_("%(actor)s submitted the document %(object)s for review and signature"), "outgoing"),
    A.STEP_APPROVED: _S(N_("Approved"), N_("%(actor)s approved the document %(object)s"), "outgoing"),
    A.STEP_RETURNED: _S(N_("Returned to the drafter"),
        N_("%(actor)s returned the document %(object)s to its drafter"), "outgoing"),
    A.DOCUMENT_ISSUED: _S(N_("Document issued"), N_("%(actor)s issued the document %(object)s"), "outgoing"),
    A.NUMBER_ASSIGNED: _S(N_("Number taken from a register"),
        N_("%(actor)s took number %(number)s of %(object)s for the document %(person)s"),
           "outgoing"),
    A.DOCUMENT_DISTRIBUTED: _S(N_("Sent to recipients"),
        N_("%(actor)s sent the document %(object)s to its recipients"), "outgoing"),
    A.COPY_DELIVERED: _S(N_("Sent to a department for information"),
        N_("%(actor)s sent the document %(object)s to %(person)s for information"), "outgoing"),
    A.DOCUMENT_REPLACED: _S(N_("Document replaced"),
        N_("%(actor)s replaced the document %(object)s with another"), "outgoing"),
    A.DOCUMENT_CORRECTED: _S(N_("Correction issued"),
        N_("%(actor)s issued a correction of the document %(object)s"), "outgoing"),
    A.DOCUMENT_RECALLED: _S(N_("Document recalled"), N_("%(actor)s recalled the document %(object)s"), "outgoing"),
    A.DELEGATION_CREATED: _S(N_("Signing authority delegated"),
        N_("%(actor)s delegated signing authority to %(person)s"), "access"),
    A.DELEGATION_REVOKED: _S(N_("Delegation revoked"),
        N_("%(actor)s revoked the delegation of signing authority to %(person)s"), "access"),
    A.REGISTER_EXPORTED: _S(N_("Register exported"), N_("%(actor)s exported the register %(object)s"), "admin"),
    A.REGISTER_SERIES_CHANGED: _S(N_("Numbering series changed"),
        N_("%(actor)s changed the numbering series %(object)s"), "admin"),
    A.REGISTER_CLOSED: _S(N_("Register closed for the year"),
        N_("%(actor)s closed the register %(object)s for the year"), "admin"),
    A.SEARCH_EXPORTED: _S(N_("Search results exported"),
        N_("%(actor)s exported the results of a search (%(number)s documents)"), "documents"),
    A.BACKUP_MADE: _S(N_("Backup made"), N_("%(actor)s made a backup of the system"), "admin"),
    A.BACKUP_RESTORED: _S(N_("Restored from a backup"),
        N_("%(actor)s restored the system from a backup"), "admin"),
    A.DOCUMENT_IMPORTED: _S(N_("Document imported"),
        N_("%(actor)s imported the document %(object)s from the previous system"), "documents"),
    A.IMPORT_RUN: _S(N_("Import from the previous system"),
        N_("%(actor)s ran an import of documents from the previous system"), "admin"),
    A.SIGNATURE_CHAIN_CHECKED: _S(N_("Signature chain checked"),
        N_("%(actor)s checked the signature chain of the document %(object)s"), "audit"),
    A.EVIDENCE_EXPORTED: _S(N_("Evidence pack exported"),
        N_("%(actor)s exported the evidence pack of %(object)s"), "audit"),
    A.ACCESS_CHANGE_CONFIRMED: _S(N_("Change of access rights confirmed"),
        N_("%(actor)s confirmed the change of access rights %(object)s"), "access"),
    A.KEY_PIN_WRONG: _S(N_("Wrong PIN"),
        N_("%(actor)s entered a wrong PIN for the signing key of %(object)s"), "keys"),
    A.KEY_LOCKED: _S(N_("Signing key locked"),
        N_("The signing key of %(object)s was locked after wrong PINs by %(actor)s"), "keys"),
    A.KEY_REFUSED_LOCKED: _S(N_("Locked signing key used"),
        N_("%(actor)s tried to use the locked signing key of %(object)s"), "keys"),
    A.KEY_UNLOCKED: _S(N_("Signing key unlocked"), N_("%(actor)s unlocked the signing key of %(object)s"), "keys"),
    A.KEY_PIN_SET: _S(N_("PIN set"), N_("%(actor)s set the PIN of the signing key of %(object)s"), "keys"),
    A.KEY_PIN_CHANGED: _S(N_("PIN changed"),
        N_("%(actor)s changed the PIN of the signing key of %(object)s"), "keys"),
    A.KEY_REWRAPPED: _S(N_("Signing key protected again"),
        N_("%(actor)s protected the signing key of %(object)s again under the current server "
           "secret"), "keys"),
    A.CONFIDENTIALITY_LOWERING_PROPOSED: _S(N_("Lowering of confidentiality proposed"),
        N_("%(actor)s proposed lowering the confidentiality of the document "
           "%(object)s"), "access"),
    A.ASSIGNMENT_FORWARD_PROPOSED: _S(N_("Forward of a confidential document proposed"),
        N_("%(actor)s proposed forwarding the confidential document %(object)s to "
           "%(person)s"), "access"),
    A.ACCESS_CHANGE_DECLINED: _S(N_("Proposed change declined"),
        N_("%(actor)s declined the proposed change %(object)s"), "access"),
    A.ATTACHMENT_ADDED: _S(N_("Attachment added"),
        N_("%(actor)s attached a file to the document %(object)s"), "documents"),
    A.ATTACHMENT_REMOVED: _S(N_("Attachment removed"),
        N_("%(actor)s removed an attachment from the document %(object)s"), "documents"),
    A.ATTACHMENT_SIGNED: _S(N_("Attachment signed"),
        N_("%(actor)s signed an attachment of the document %(object)s"), "signing"),
    A.COPY_MADE: _S(N_("Copy made"), N_("%(actor)s made the copy %(object)s"), "documents"),
    A.FORMAT_CHECK_POLICY_CHANGED: _S(N_("Format check rules changed"),
        N_("%(actor)s changed which format checks stop a document being issued"),
           "admin"),
    A.FILE_PLAN_CHANGED: _S(N_("File plan changed"), N_("%(actor)s changed the file plan %(object)s"), "records"),
    A.FILE_PLAN_APPROVED: _S(N_("File plan approved"), N_("%(actor)s approved the file plan %(object)s"), "records"),
    A.FILE_PLAN_COPIED: _S(N_("File plan copied"),
        N_("%(actor)s started the file plan %(object)s from the previous year's"), "records"),
    A.FILE_OPENED: _S(N_("File opened"), N_("%(actor)s opened the file %(object)s"), "records"),
    A.FILE_DOCUMENT_ADDED: _S(N_("Document added to a file"),
        N_("%(actor)s added a document to the file %(object)s"), "records"),
    A.FILE_DOCUMENT_REMOVED: _S(N_("Document removed from a file"),
        N_("%(actor)s removed a document from the file %(object)s"), "records"),
    A.FILE_HOME_CHANGED: _S(N_("Home file of a document changed"),
        N_("%(actor)s made the file %(object)s a document's home file"), "records"),
    A.FILE_CLOSED: _S(N_("File closed"), N_("%(actor)s closed the file %(object)s"), "records"),
    A.FILE_REOPENED: _S(N_("File reopened"), N_("%(actor)s reopened the file %(object)s"), "records"),
    A.FILES_DESTROYED: _S(N_("Files destroyed"),
        N_("%(actor)s recorded the decision %(object)s destroying files whose retention had ended"), "records"),
    A.RECORDS_TRANSFERRED: _S(N_("Files transferred to the archive"),
        N_("%(actor)s packed the closed files of the file plan %(object)s for the archive"), "records"),
    A.DOCUMENT_RENEWED: _S(N_("Signature validity renewed (B-LTA)"),
        N_("%(actor)s renewed the signatures of the document %(object)s for the long term (version %(version)s)"),
        "signing"),
    A.RENEWAL_RUN: _S(N_("Signature renewal run"),
        N_("%(actor)s ran the long-term renewal of the issued documents' signatures"), "signing"),
    A.ORGAN_ID_SET: _S(N_("Organ identifier set"),
        N_("%(actor)s set the organ identifier (mã định danh) of %(object)s"), "admin"),
    A.API_CLIENT_CREATED: _S(N_("API client created"),
        N_("%(actor)s created the API client %(object)s"), "api"),
    A.API_CLIENT_REVOKED: _S(N_("API client revoked"),
        N_("%(actor)s revoked the API client %(object)s"), "api"),
    A.API_CALLED: _S(N_("API call"), N_("%(actor)s called the API through the client %(object)s"), "api"),
}

GENERIC = N_("%(actor)s: %(action)s on %(object)s")


def sentence_for(action: str) -> str:
    """The sentence msgid of an action code; an action this release does not know gets the generic form."""
    try:
        return SENTENCES[A(action)].msgid
    except (KeyError, ValueError):
        return GENERIC


def action_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The action filter's choices: (area msgid, [(action code, name msgid), ...]) in area order."""
    groups: dict[str, list[tuple[str, str]]] = {area: [] for area in AREAS}
    for action, sentence in SENTENCES.items():
        groups[sentence.area].append((action.value, sentence.name))
    return [(AREAS[area], items) for area, items in groups.items() if items]

