"""Certificates on paper and on screen: the print page and PDF for whoever may see the request
(the citizen, the office that filed it, the officers in scope; 404 for everyone else), and the
public verification page, which ``/verify/<code>/`` shows for certificate codes."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils import translation
from django.views.decorators.http import require_GET

from pishkhan.accounts.access import roles_required
from pishkhan.accounts.roles import Role
from pishkhan.cases.selectors import get_visible
from pishkhan.core import verification
from pishkhan.payments.receipts import TOKEN_PARAMETER, pdf_stylesheet, render_pdf

from .certificates import certificate_for_code, check_token, printed
from .models import Certificate

PDF_STYLESHEET = "css/certificate.css"
PDF_FILES = (
    PDF_STYLESHEET,
    "vendor/vazirmatn/Vazirmatn-Regular.woff2",
    "vendor/vazirmatn/Vazirmatn-Bold.woff2",
)

signed_in = roles_required(*Role.values, login_url="cases:portal_login")


def _printed(request: HttpRequest, tracking_code: str) -> dict[str, object]:
    service_request = get_visible(request.user, tracking_code)
    certificate = Certificate.objects.filter(request=service_request).first()
    if certificate is None:
        raise Http404
    certificate.request = service_request
    return {"req": service_request, "printed": printed(request, certificate), "cert": certificate}


def _language_of(context: dict[str, object]) -> str | None:
    """The language the citizen asked the certificate in (the teacher's employment certificate
    asks, for embassies): printed in it whoever opens it. None: the reader's language."""
    certificate = context["cert"]
    assert isinstance(certificate, Certificate)
    language = (certificate.data or {}).get("language")
    return language if language in ("fa", "en") else None


@signed_in
@require_GET
def certificate(request: HttpRequest, tracking_code: str) -> HttpResponse:
    context = _printed(request, tracking_code)
    with translation.override(_language_of(context) or translation.get_language()):
        response = render(request, "education/certificate.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@signed_in
@require_GET
def certificate_pdf(request: HttpRequest, tracking_code: str) -> HttpResponse:
    context = {**_printed(request, tracking_code), "stylesheet": pdf_stylesheet(PDF_STYLESHEET)}
    with translation.override(_language_of(context) or translation.get_language()):
        html = render_to_string("education/certificate_pdf.html", context, request=request)
    response = HttpResponse(render_pdf(html, PDF_FILES), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{tracking_code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@verification.register
def verify_certificate(request: HttpRequest, code: str) -> HttpResponse | None:
    """The public page of a certificate: the holder's name and masked national code, what is
    certified, valid or revoked (read live: a revocation shows at once), and whether the QR
    code's signature holds. None for a code that is not a certificate's."""
    found = certificate_for_code(code)
    if found is None:
        return None
    context = {
        "certificate": found,
        "token": check_token(found, request.GET.get(TOKEN_PARAMETER, "")),
    }
    return render(request, "education/verify.html", context)


urlpatterns: list[URLPattern] = [
    path("certificates/<str:tracking_code>/", certificate, name="certificate"),
    path("certificates/<str:tracking_code>/pdf/", certificate_pdf, name="certificate_pdf"),
]
