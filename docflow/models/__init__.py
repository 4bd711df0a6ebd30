"""SQLAlchemy models, one module per aggregate; importing this package registers every table."""

from docflow.models.apiclients import ApiClient
from docflow.models.attachments import Attachment, AttachmentKind
from docflow.models.audit import AuditCheckpoint, AuditEvent, AuditHead
from docflow.models.base import Base, utc_now
from docflow.models.completion import CompletionProposal, Contribution, ProposalStatus
from docflow.models.copies import CopyForm, CopySource, DocumentCopy
from docflow.models.documents import (
    Confidentiality,
    Document,
    DocumentGrant,
    DocumentKind,
    DocumentRelation,
    DocumentStatus,
    DocumentVersion,
    GrantReason,
    ReceiptSource,
    Register,
    RegisterKind,
    Urgency,
    VersionKind,
)
from docflow.models.formatcheck import FormatCheckResult, FormatCheckSetting
from docflow.models.jobs import Job, JobStatus
from docflow.models.queue import QueuedJob, QueuedJobStatus
from docflow.models.keys import KeyGuard
from docflow.models.organisation import Department, Organisation
from docflow.models.pagetext import PageText, TextSource
from docflow.models.searchtext import SearchText, refresh_document_texts
from docflow.models.ocrtask import OcrStatus, OcrTask
from docflow.models.search import SavedSearch
from docflow.models.phrases import InstructionPhrase
from docflow.models.records import (
    DestroyedFile,
    DestructionDecision,
    FileDocument,
    FilePlan,
    FileStatus,
    PlanHeading,
    RecordFile,
    RecordTransfer,
)
from docflow.models.imports import ImportedDocument
from docflow.models.renewals import RenewalRun
from docflow.models.outbox import OutboxItem, OutboxStatus
from docflow.models.ratelimits import RateLimit
from docflow.models.publiccodes import PublicCode
from docflow.models.petitions import (Petition, PetitionApology, PetitionChannel, PetitionKind,
                                      PetitionStatus)
from docflow.models.registers import RegisterClosing, RegisterCounter, RegisterSeries, SeriesRule
from docflow.models.routing import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Delegation,
    Notification,
    Opinion,
    OpinionKind,
    Recipient,
    RoutingStep,
    SigningMode,
    StepKind,
    StepStatus,
)
from docflow.models.partners import (
    Direction,
    ExchangeDelivery,
    ExchangeInbox,
    ExchangeMessage,
    ExchangePartner,
    InboxState,
)
from docflow.models.reportmonths import ReportMonth, ReportVersion, bump_version
from docflow.models.seals import SealImage
from docflow.models.sources import VersionSource
from docflow.models.signatures import Certificate, CertificateStatus, KeyStorage, Signature, VerificationReport
from docflow.models.users import LoginThrottle, Role, ThrottleKind, User

__all__ = [
    "SealImage",
    "ReportMonth", "ReportVersion", "bump_version",
    "PageText", "TextSource",
    "SearchText", "refresh_document_texts",
    "OcrStatus", "OcrTask",
    "SavedSearch",
    "InstructionPhrase",
    "DestroyedFile", "DestructionDecision", "FileDocument", "FilePlan", "FileStatus", "PlanHeading", "RecordFile",
    "RecordTransfer",
    "Attachment", "AttachmentKind", "CopyForm", "CopySource", "DocumentCopy",
    "CompletionProposal", "Contribution", "ProposalStatus",
    "FormatCheckResult", "FormatCheckSetting",
    "Assignment", "AssignmentRole", "AssignmentStatus", "Delegation", "Notification", "Opinion", "OpinionKind", "Recipient",
    "RoutingStep", "SigningMode", "StepKind", "StepStatus",
    "AuditCheckpoint", "AuditEvent", "AuditHead", "Base", "Certificate", "CertificateStatus", "Confidentiality", "Department", "Document", "DocumentGrant",
    "DocumentKind", "DocumentRelation", "DocumentStatus", "DocumentVersion", "GrantReason", "Job", "JobStatus", "KeyGuard", "KeyStorage", "LoginThrottle",
    "Organisation", "ReceiptSource", "Register", "RegisterClosing", "RegisterCounter", "RegisterSeries", "SeriesRule", "RegisterKind", "Role", "Signature", "ThrottleKind", "Urgency", "User", "VerificationReport", "VersionSource",
    "RenewalRun", "VersionKind",
    "ImportedDocument",
    "RateLimit",
    "QueuedJob", "QueuedJobStatus",
    "OutboxItem", "OutboxStatus",
    "Direction", "ExchangeDelivery", "ExchangeInbox", "ExchangeMessage", "ExchangePartner", "InboxState",
    "PublicCode",
    "Petition", "PetitionApology", "PetitionChannel", "PetitionKind", "PetitionStatus",
    "ApiClient",
    "utc_now",
]
