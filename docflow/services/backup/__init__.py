"""Backup and restore of a whole instance (Decree 30, Annex VI: back up and restore; issue 14 §3).

Modules:

- ``making``: ``make_backup`` (database dump, blobs, keys, configuration, sealed secrets, manifest) and
  ``record_backup`` (its audit event).
- ``restoring``: ``restore_backup`` into an empty folder (and an empty PostgreSQL database).
- ``checking``: ``check_restored`` (the chain and every version's SHA-256) and ``record_restore``.
- ``manifest``: the manifest and ``verify_backup``, offline.
- ``database``: the SQLite backup API and pg_dump / pg_restore.  ``vault``: the secrets under a passphrase.
"""

from docflow.services.backup.checking import RestoreCheck, check_restored, record_restore
from docflow.services.backup.making import BackupMade, make_backup, record_backup
from docflow.services.backup.manifest import MANIFEST, BackupCheck, file_sha256, read_header, verify_backup
from docflow.services.backup.restoring import Restored, restore_backup

__all__ = [
    "MANIFEST",
    "BackupCheck",
    "BackupMade",
    "RestoreCheck",
    "Restored",
    "check_restored",
    "file_sha256",
    "make_backup",
    "read_header",
    "record_backup",
    "record_restore",
    "restore_backup",
    "verify_backup",
]
