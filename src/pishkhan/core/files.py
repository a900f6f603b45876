"""Uploaded documents are recognised by their content, never by their name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO, Any

from django.core.files import File
from django.core.files.utils import validate_file_name
from django.db.models.fields.files import FieldFile
from PIL import Image, UnidentifiedImageError

# Magic numbers of the document types people may upload.
_SIGNATURES: tuple[tuple[bytes, str, tuple[str, ...]], ...] = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
)


class UploadRejected(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    size: int
    sha256: str


def check_upload(stream: IO[bytes], name: str, size: int, max_bytes: int) -> CheckedUpload:
    """Accept a PDF, JPEG or PNG whose content matches its name's extension, up to max_bytes."""
    if size > max_bytes:
        raise UploadRejected("too_large", "file is larger than allowed")
    if size == 0:
        raise UploadRejected("empty", "file is empty")
    head = stream.read(16)
    stream.seek(0)
    lowered = name.lower()
    for magic, content_type, extensions in _SIGNATURES:
        if head.startswith(magic):
            if not lowered.endswith(extensions):
                raise UploadRejected("mismatch", "the file's content does not match its name")
            if content_type != "application/pdf":
                _check_image(stream)
            digest = hashlib.sha256()
            for chunk in iter(lambda: stream.read(65536), b""):
                digest.update(chunk)
            stream.seek(0)
            return CheckedUpload(content_type, size, digest.hexdigest())
    raise UploadRejected("type", "only PDF, JPEG and PNG files are accepted")


def _check_image(stream: IO[bytes]) -> None:
    """A JPEG or PNG must open as one: a file that only starts like an image (its first bytes
    right, the rest damaged or something else) reaches a reviewer who cannot open it."""
    try:
        with Image.open(stream) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadRejected("damaged", "the image cannot be read") from None
    finally:
        stream.seek(0)


def store_under_new_name(file: FieldFile, name: str, content: Any) -> None:
    """Store ``content`` as ``name`` and point ``file`` (unsaved) at it: ``FieldFile.save`` for a
    name no stored file can have (128 random bits, as ``cases.models.attachment_path`` draws).

    ``FieldFile.save`` passes the name through the field's ``upload_to`` and then the storage's
    search for a free name, which asks the storage whether the name is taken: a look at the disk,
    and with the object store a HEAD request for each document, inside the submission's
    transaction. A random name is never taken, so the storage's own writer (``_save``, the method
    every Django storage implements) stores it directly; the file system's still refuses to write
    over an existing file (it opens with ``O_EXCL``) and finds a new name if it ever met one. The
    stored name is checked as ``Storage.save`` checks it.
    """
    if not hasattr(content, "chunks"):
        content = File(content, name)
    storage: Any = file.storage  # _save and _committed are not in django-stubs
    stored = storage._save(name, content)
    validate_file_name(stored, allow_relative_path=True)
    field_file: Any = file
    field_file.name = stored
    field_file._committed = True
    setattr(file.instance, file.field.attname, stored)
