"""Documents in an S3-compatible object store, private (decision 57).

Loaded only when ``PISHKHAN_FILE_STORAGE=s3`` (settings check first that django-storages is
installed). Citizens' documents and licence applications' files are served by the app's own
views, which apply ``visible_to`` and note the access (decision 42); a URL into the bucket,
even a signed one, would hand the file to whoever holds the link, unscoped and unnoted.
"""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage


class DocumentURLRefused(RuntimeError):
    pass


class PrivateS3Storage(S3Storage):  # type: ignore[misc]
    """django-storages' S3 backend that never makes a URL for an object."""

    def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
        raise DocumentURLRefused(
            "Documents have no URL of their own; serve them through the app's scoped views."
        )
