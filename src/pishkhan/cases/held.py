"""Documents kept across a form that came back with an error (decision 44).

A browser cannot put a file back into a file input, so a filing form refused for a missing
field used to come back with every document gone, and a person who did not notice filed
without them. Each document that passed its own checks is now kept in storage under
``held/`` and named in the re-shown form by a signed token (bound to the person, valid
``MAX_AGE``); sent back without a new file, the token brings the document back. Filed, the
kept copies are deleted; abandoned ones are pruned hourly (``cases.tasks``). Only the storage
API is used (no paths, no folders that must exist): any Django storage does (decision 57)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from typing import Any

from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.text import get_valid_filename

SALT = "pishkhan.cases.held-upload"
MAX_AGE = 6 * 3600
PREFIX = "held"
FIELD_PREFIX = "held_"


def hold(upload: Any, user: Any) -> str:
    """Keep ``upload`` for ``user``; the token that brings it back."""
    safe = get_valid_filename(upload.name)[-100:] or "document"
    upload.seek(0)
    path = default_storage.save(f"{PREFIX}/{secrets.token_hex(16)}/{safe}", upload)
    return signing.dumps(
        {"p": path, "n": upload.name, "t": upload.content_type, "u": user.pk},
        salt=SALT,
        compress=True,
    )


def take_back(token: str, user: Any) -> UploadedFile | None:
    """The kept document ``token`` names, if it is ``user``'s and still there."""
    try:
        kept = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    path = str(kept.get("p", ""))
    if kept.get("u") != user.pk or not path.startswith(f"{PREFIX}/") or ".." in path:
        return None
    try:
        # Opened, not first asked whether it exists: the hourly prune may delete it in between,
        # and on an object store each question is a request of its own.
        stored = default_storage.open(path, "rb")
    except FileNotFoundError:
        return None
    upload = UploadedFile(
        file=stored,
        name=str(kept.get("n") or "document"),
        content_type=str(kept.get("t") or "application/octet-stream"),
        size=stored.size,
    )
    upload.held_path = path  # type: ignore[attr-defined]
    upload.held_token = token  # type: ignore[attr-defined]
    return upload


def files_with_held(post: Any, files: MultiValueDict, user: Any) -> MultiValueDict:
    """The form's files: those sent now, and the kept ones sent back in their place."""
    merged = files.copy()
    for key, token in post.items():
        name = key.removeprefix(FIELD_PREFIX)
        if key.startswith(FIELD_PREFIX) and name not in merged:
            upload = take_back(token, user)
            if upload is not None:
                merged[name] = upload
    return merged


def keep_for_the_next_try(form: Any, user: Any) -> None:
    """After a refusal: keep every document of ``form`` that passed its own checks, and mark its
    field so the page names it (``field.held``) and no longer asks the browser for a file."""
    cleaned = getattr(form, "cleaned_data", {})
    for name, field in form.fields.items():
        upload = cleaned.get(name)
        if not isinstance(upload, UploadedFile) or name in form.errors:
            continue
        token = getattr(upload, "held_token", None) or hold(upload, user)
        field.held = {"token": token, "name": upload.name, "input": f"{FIELD_PREFIX}{name}"}
        # A file is there: the browser must not insist on one (Django leaves "required" off a
        # file input that has an initial value; the bound field computed its own already).
        form.initial[name] = "held"
        form[name].initial = "held"


def release(files: MultiValueDict) -> None:
    """The request is filed with its own copies: delete the kept ones it used."""
    for upload in files.values():
        path = getattr(upload, "held_path", None)
        if path:
            upload.close()
            default_storage.delete(path)


def prune(older_than: dt.timedelta = dt.timedelta(seconds=MAX_AGE)) -> int:
    """Delete kept documents nobody came back for."""
    cutoff = timezone.now() - older_than
    deleted = 0
    try:
        # Listed, not first asked whether ``held`` exists: an object store has no folders, so
        # exists("held") is false there however many documents are kept under it.
        folders, _ = default_storage.listdir(PREFIX)
    except FileNotFoundError:  # nothing was ever kept (a filesystem or in-memory storage)
        return 0
    for folder in folders:
        _, names = default_storage.listdir(f"{PREFIX}/{folder}")
        gone = 0
        for name in names:
            path = f"{PREFIX}/{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                gone += 1
        if gone == len(names):
            _remove_empty_folder(f"{PREFIX}/{folder}")
        deleted += gone
    return deleted


def _remove_empty_folder(name: str) -> None:
    """A filesystem keeps a token's folder once its document is gone (one per refused form, for
    ever); an object store has no folders, and a storage without local paths says so."""
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(name))
