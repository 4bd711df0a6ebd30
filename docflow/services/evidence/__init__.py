"""Evidence packs built from the database: one ZIP that proves what docflow did with a document or a register
range. The format, and the offline verification (no database), are ``docflow.auditlog.evidencepack``.

Modules: ``packs`` (who may build one, building it, auditing and anchoring it), ``contents`` (the files
describing each document, the certificates), ``segments`` (the audit events up to a signed checkpoint).
"""

from docflow.services.evidence.packs import MAX_DOCUMENTS, Pack, build_document_pack, build_register_pack, can_build

__all__ = ["MAX_DOCUMENTS", "Pack", "build_document_pack", "build_register_pack", "can_build"]
