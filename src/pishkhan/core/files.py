"""Uploaded documents are recognised by their content, never by their name."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO

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
