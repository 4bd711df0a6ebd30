"""Content-addressed, write-once PDF blob store: each file lives under its SHA-256 and is never rewritten.

``DocumentStore`` is the interface every caller names; ``FileSystemStore`` implements it on a folder, which may
be a mount shared by several hosts (``[storage] path``; NFS-style: it needs an atomic rename within the mount and
fsync that reaches the server). An object store (S3-style) could implement the same methods later: a blob is
put once under its SHA-256 and read back whole or as a stream; ``path_for`` would then hand a local cached copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from collections.abc import Callable
from typing import IO, BinaryIO, Protocol

from docflow.errors import N_, StorageError, ValidationError
from docflow.private_files import READ_ONLY_MODE, private_dir

CHUNK = 1024 * 1024
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BlobMissingError(StorageError):
    """A stored version's file is gone from disk: evidence loss, reported loudly."""


class DocumentStore(Protocol):
    """What docflow asks of a blob store: write-once blobs named by their SHA-256 hex digest."""

    def put_stream(self, source: IO[bytes], *, max_bytes: int,
                   check: Callable[[Path], object] | None = None) -> tuple[str, int, Path]:
        """Store a stream (at most ``max_bytes``), hashing it; ``check`` sees the complete file before it is
        stored. Returns (sha256, size, a local path of the stored file)."""

    def put_bytes(self, data: bytes) -> str:
        """Store ``data``; returns its SHA-256."""

    def open(self, sha256: str) -> BinaryIO:
        """A stream of the blob. Raises BlobMissingError when it is gone."""

    def read(self, sha256: str) -> bytes:
        """The blob's bytes. Raises BlobMissingError when it is gone."""

    def exists(self, sha256: str) -> bool: ...

    def actual_sha256(self, sha256: str) -> str | None:
        """The SHA-256 of what is stored under ``sha256`` (a check of the store), or None when it is gone."""

    def path_for(self, sha256: str) -> Path:
        """A local file holding the blob, for the tools that read files (the PDF checker, pdftoppm)."""


def open_store(root: Path) -> DocumentStore:
    """The store of a deployment: the filesystem store on ``root`` (``Settings.blobs_dir``)."""
    return FileSystemStore(root)


class FileSystemStore:
    """Blobs as files under ``root``/ab/cd/<sha256>, owner-only and read-only, written by an fsynced temporary
    file renamed into place (the rename is atomic within one filesystem, so ``root/tmp`` lies inside ``root``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def path_for(self, sha256: str) -> Path:
        if not _SHA256.match(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put_stream(self, source: IO[bytes], *, max_bytes: int,
                   check: Callable[[Path], object] | None = None) -> tuple[str, int, Path]:
        """Copy a stream into the store in 1 MiB chunks, hashing as it goes; returns (sha256, size, path).

        The file is written to a temporary name, fsynced, then renamed into place, so a reader
        never sees half a file. If the content is already stored, the existing file is kept.
        ``check`` runs on the complete temporary file first, so rejected content never enters the store.
        Raises ValidationError when the stream is larger than ``max_bytes``, or what ``check`` raises.
        """
        private_dir(self.root)
        private_dir(self.tmp)
        fd, tmp_name = tempfile.mkstemp(dir=self.tmp, prefix="upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = _copy_hashing(source, out, max_bytes)
            if check is not None:
                check(Path(tmp_name))
            final = self.path_for(sha256)
            if final.exists():
                os.unlink(tmp_name)
            else:
                private_dir(final.parent)
                # Owner-only and read-only: blobs are confidential evidence, written once.
                os.chmod(tmp_name, READ_ONLY_MODE)
                os.replace(tmp_name, final)
            return sha256, size, final
        except BaseException:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise

    def put_bytes(self, data: bytes) -> str:
        import io
        sha256, _, _ = self.put_stream(io.BytesIO(data), max_bytes=len(data) + 1)
        return sha256

    def open(self, sha256: str) -> BinaryIO:
        """Open a stored blob for reading. Raises BlobMissingError when the file is gone."""
        path = self.path_for(sha256)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:
            raise BlobMissingError(
                N_("The file of this version (SHA-256 %(sha256)s) is missing from storage. "
                   "Nothing was changed; please tell the administrator."), sha256=sha256) from exc

    def read(self, sha256: str) -> bytes:
        with self.open(sha256) as fh:
            return fh.read()

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def actual_sha256(self, sha256: str) -> str | None:
        """The SHA-256 of the bytes actually stored under the name ``sha256`` (what a check of the store
        compares with the name), or None when the file is gone."""
        try:
            with self.open(sha256) as fh:
                return sha256_stream(fh)[0]
        except BlobMissingError:
            return None


def sha256_stream(source: IO[bytes]) -> tuple[str, int]:
    """SHA-256 hex and size of what ``source`` still holds, read in CHUNK pieces (never all at once)."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _copy_hashing(source: IO[bytes], out: IO[bytes], max_bytes: int) -> tuple[str, int]:
    """Copy ``source`` to ``out`` in chunks and fsync it; returns (sha256 hex, size). Raises ValidationError
    as soon as more than ``max_bytes`` arrived."""
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise ValidationError(N_("The file is larger than the limit of %(limit)s MB."),
                                  limit=max_bytes // (1024 * 1024))
        digest.update(chunk)
        out.write(chunk)
    out.flush()
    os.fsync(out.fileno())
    return digest.hexdigest(), size
