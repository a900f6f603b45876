"""Receipts (print and PDF with a signed QR code) and their public verification.

``/receipts/<tracking code>/`` and ``.../pdf/``: whoever may see the request (the citizen, the
office that filed it, the agency's officers in scope); everyone else gets 404.
``/verify/<code>/``: public, no sign-in, rate-limited per client; shows the official figures
beside what was charged, never the citizen's name or national code.
``/verify/public-key/``: the key that checks the QR codes' signatures offline (PEM or raw);
``/verify/keys/``: the same as a JSON Web Key Set, for receipts and certificates alike.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import Role
from pishkhan.cases.selectors import get_visible
from pishkhan.core import verification
from pishkhan.core.ratelimit import over_rate_limit

from .. import signing
from ..forms import VerificationCodeForm
from ..receipts import (
    TOKEN_PARAMETER,
    check_token,
    normalize_code,
    pdf_stylesheet,
    printed,
    receipt_for_code,
    receipt_for_request,
    render_pdf,
)

# Any signed-in role may ask; ``get_visible`` decides (404 outside one's scope). Anonymous
# visitors are sent to the citizens' sign-in: staff reach receipts from their own pages.
signed_in = roles_required(*Role.values, login_url="cases:portal_login")


def _printed_receipt(request: HttpRequest, tracking_code: str) -> dict[str, object]:
    service_request = get_visible(request.user, tracking_code)
    receipt = receipt_for_request(service_request)
    if receipt is None:
        raise Http404
    return {"req": service_request, "printed": printed(request, receipt)}


@signed_in
@require_GET
def receipt(request: HttpRequest, tracking_code: str) -> HttpResponse:
    response = render(request, "payments/receipt.html", _printed_receipt(request, tracking_code))
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_GET
def receipt_pdf(request: HttpRequest, tracking_code: str) -> HttpResponse:
    context = {**_printed_receipt(request, tracking_code), "stylesheet": pdf_stylesheet()}
    html = render_to_string("payments/receipt_pdf.html", context, request=request)
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def verify_entry(request: HttpRequest) -> HttpResponse:
    """Where a verifier types the code from the paper (a university's clerk without a phone to
    scan the QR code): a well-formed code goes on to its page, which the per-minute limit
    guards; a malformed one is said so here."""
    form = VerificationCodeForm(data=request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        return redirect("payments:verify", code=form.cleaned_data["code"])
    status = 400 if form.is_bound else 200
    return _public(render(request, "payments/verify_entry.html", {"form": form}, status=status))


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if over_rate_limit(request, "verify", settings.PISHKHAN_VERIFY_PER_MINUTE):
        return _public(render(request, "payments/verify.html", {"rate_limited": True}, status=429))
    # Certificates (education) and any other kind of document answer for their own codes first.
    other = verification.answer(request, normalize_code(code))
    if other is not None:
        return _public(other)
    receipt = receipt_for_code(code)
    if receipt is None:
        # The same page for a mistyped code and a forged one: nothing to learn from either.
        return _public(render(request, "payments/verify.html", {"not_found": True}, status=404))
    token = request.GET.get(TOKEN_PARAMETER, "")
    complain_url = reverse("feedback:complain", args=[receipt.tracking_code]) + "?kind=overcharge"
    context = {
        "receipt": receipt,
        "token": check_token(receipt, token),
        "complain_url": complain_url,
    }
    return _public(render(request, "payments/verify.html", context))


def _public(response: HttpResponse) -> HttpResponse:
    # Verification pages are for whoever holds the paper, not for search engines.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def public_key(request: HttpRequest) -> HttpResponse:
    """The Ed25519 public key: PEM (SubjectPublicKeyInfo) by default, ``?format=raw`` for the 32
    raw bytes in standard base64."""
    wanted = request.GET.get("format", "pem")
    if wanted == "pem":
        body = signing.public_key_pem()
    elif wanted == "raw":
        body = base64.b64encode(signing.public_key_raw()).decode("ascii") + "\n"
    else:
        return HttpResponse(
            "format: pem or raw\n", status=400, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def keys(request: HttpRequest) -> JsonResponse:
    """The keys that sign receipts' and certificates' QR payloads, as a JSON Web Key Set
    (RFC 8037: ``kty`` OKP, ``crv`` Ed25519, ``x`` the raw key in base64url), each also in PEM:
    a verifier downloads it once and checks any QR code offline. The current key comes first,
    then the retired ones (``"status": "retired"``), which signed paper printed before a
    rotation and still verify it (docs/receipts.md)."""
    listed = [
        {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": "EdDSA",
            "use": "sig",
            "kid": signing.key_fingerprint(key)[:16],
            "x": signing.b64url_encode(signing.public_key_raw(key)),
            "pem": signing.public_key_pem(key),
            "sha256": signing.key_fingerprint(key),
            "status": "retired" if index else "current",
        }
        for index, key in enumerate(signing.published_public_keys())
    ]
    response = JsonResponse({"keys": listed}, json_dumps_params={"indent": 2})
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response


urlpatterns: list[URLPattern] = [
    path("receipts/<str:tracking_code>/", receipt, name="receipt"),
    path("receipts/<str:tracking_code>/pdf/", receipt_pdf, name="receipt_pdf"),
    # Before the code: "public-key" is never a verification code (those are upper-case base32).
    path("verify/", verify_entry, name="verify_entry"),
    path("verify/public-key/", public_key, name="public_key"),
    path("verify/keys/", keys, name="keys"),
    path("verify/<str:code>/", verify, name="verify"),
]
