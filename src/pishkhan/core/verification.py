"""The public verification page ``/verify/<code>/`` serves every kind of document printed with a
verification code: receipts (payments) and certificates (education). The page belongs to the
lowest of them (payments); each kind registers here a function that answers for its own codes,
so the lower layer never imports the higher one (the pattern of ``workflow.events``).

A verifier is ``(request, normalized code) -> HttpResponse | None``: a response when the code is
one of its documents, None otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

Verifier = Callable[[HttpRequest, str], HttpResponse | None]
_verifiers: list[Verifier] = []


def register(verifier: Verifier) -> Verifier:
    if verifier not in _verifiers:
        _verifiers.append(verifier)
    return verifier


def answer(request: HttpRequest, code: str) -> HttpResponse | None:
    """The first registered verifier's page for this code, or None if none knows it."""
    for verifier in list(_verifiers):
        response = verifier(request, code)
        if response is not None:
            return response
    return None
