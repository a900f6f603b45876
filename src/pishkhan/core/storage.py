"""Documents in an S3-compatible object store, private (decision 57).

Loaded only when ``PISHKHAN_FILE_STORAGE=s3`` (settings check first that django-storages is
installed). Citizens' documents and licence applications' files are served by the app's own
views, which apply ``visible_to`` and note the access (decision 42); a URL into the bucket,
even a signed one, would hand the file to whoever holds the link, unscoped and unnoted.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage, _filter_download_params
from storages.utils import clean_name


class DocumentURLRefused(RuntimeError):
    pass


class PrivateS3Storage(S3Storage):  # type: ignore[misc]
    """django-storages' S3 backend that never makes a URL for an object."""

    def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
        raise DocumentURLRefused(
            "Documents have no URL of their own; serve them through the app's scoped views."
        )

    def open_stream(self, name: str) -> tuple[Any, int]:
        """The object's body as boto3 receives it (a ``StreamingBody``, read in chunks by the
        caller and closed by it) and its size, in one GET (decision 64).

        ``open()`` returns an ``S3File``, whose first read downloads the whole object into a
        spool kept in memory (``max_memory_size`` 0): a download would hold the whole document
        in the web node's memory until the client had it all. Raises ``FileNotFoundError`` for
        a missing object, as ``open()`` does."""
        key = self._normalize_name(clean_name(name))
        # The same download parameters as S3File's (a customer-provided encryption key, if set).
        params = _filter_download_params(self.get_object_parameters(name))
        try:
            answer = self.bucket.Object(key).get(**params)
        except ClientError as exc:
            if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                raise FileNotFoundError(f"File does not exist: {name}") from exc
            raise
        return answer["Body"], int(answer["ContentLength"])
