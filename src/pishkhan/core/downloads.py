"""A stored document as an HTTP response, read in bounded chunks (decision 64).

The one place the document downloads (a request's attachments for staff and citizens, the
agency API's documents, licence applications' documents) turn a stored file into a response;
each view first decides who may read it, and notes the reading only once this succeeded.
"""

from __future__ import annotations

from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import FileResponse

# A document is at most a few megabytes (PISHKHAN_MAX_UPLOAD_MB); what a download holds in
# memory is one chunk, however many downloads run at once and however large the file.
CHUNK_SIZE = 64 * 1024


class DocumentResponse(FileResponse):
    """Django's FileResponse, in larger blocks than its 4 KB (the WSGI server's file wrapper
    reads ``block_size`` too)."""

    block_size = CHUNK_SIZE


def document_response(
    file: FieldFile, *, content_type: str, filename: str, as_attachment: bool
) -> DocumentResponse:
    """The file as a streamed response that closes what it read from when it is closed.

    Raises ``OSError`` (``FileNotFoundError``) when the storage has no such file: the caller
    answers 404 and notes nothing as read (decision 57).
    """
    open_stream = getattr(file.storage, "open_stream", None)
    size: int | None = None
    handle: Any
    if open_stream is not None:
        # An object store (core.storage): its body straight from the connection, never
        # downloaded whole first.
        handle, size = open_stream(file.name)
    else:
        # A disk or memory: Django's file is read in blocks already (and may be sent with
        # sendfile by the WSGI server).
        handle = file.open("rb")
    response = DocumentResponse(
        handle, content_type=content_type, as_attachment=as_attachment, filename=filename
    )
    if size is not None:
        # A stream cannot say its length; the store did, so the client still sees progress.
        response["Content-Length"] = str(size)
    return response
