"""The certificate on paper: an A4 PDF in Persian whose QR code, read back with zbar from the
rendered page, opens the verification page and carries a payload that verifies with nothing but
the key published at /verify/keys/."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from pishkhan.core.text import to_persian_digits
from pishkhan.education import certificates
from pishkhan.education.models import Certificate
from pishkhan.payments import signing
from tests.conftest import skip_or_fail
from tests.payments.test_receipts import _pdf_font_names, pdf_page_image, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _staff_without_second_factor(settings):
    settings.PISHKHAN_STAFF_OTP = False


@pytest.fixture
def certificate() -> Certificate:
    """The demo's issued academic-record verification (citizen 9990000018)."""
    return Certificate.objects.select_related("request__citizen").get(
        request__idempotency_key="demo-education-issued"
    )


def zbar_qr_codes(image) -> list[str]:
    try:
        from pyzbar import pyzbar
    except ImportError as exc:  # pyzbar is a test dependency; libzbar0 is Debian's
        skip_or_fail(f"zbar is not available ({exc}; apt-get install libzbar0)")
    return [
        symbol.data.decode("utf-8") for symbol in pyzbar.decode(image) if symbol.type == "QRCODE"
    ]


def certificate_pdf(client, certificate: Certificate) -> bytes:
    client.force_login(certificate.request.citizen)
    response = client.get(
        reverse("education:certificate_pdf", args=[certificate.request.tracking_code])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_zbar_reads_the_qr_code_and_the_payload_verifies_with_only_the_public_key(
    client, certificate
):
    pdf = certificate_pdf(client, certificate)
    codes = zbar_qr_codes(pdf_page_image(pdf, scale=3.0))
    assert len(codes) == 1
    url = urlsplit(codes[0])
    assert url.path == f"/verify/{certificate.verification_code}/"
    token = parse_qs(url.query)["s"][0]

    # What a university does offline: the published key set, nothing else.
    client.logout()
    jwk = json.loads(client.get("/verify/keys/").content)["keys"][0]
    payload = signing.verify_payload(token, signing.b64url_decode(jwk["x"]))
    assert payload == certificates.claims(certificate)
    assert payload["n"] == certificate.holder_name
    assert payload["m"] == "******" + certificate.holder_national_code[-4:]

    # A changed byte in the payload breaks the signature.
    body, signature = token.split(".")
    forged = signing.b64url_encode(signing.b64url_decode(body).replace(b"18.04", b"19.04"))
    with pytest.raises(signing.InvalidToken):
        signing.verify_payload(f"{forged}.{signature}", signing.b64url_decode(jwk["x"]))

    # And the URL in the QR code opens the page that says the certificate is valid.
    page = client.get(f"{url.path}?{url.query}").content.decode()
    assert "certificate-valid" in page and "signature-valid" in page


def test_the_pdf_is_a4_persian_in_vazirmatn_with_jalali_dates(client, certificate):
    import pypdfium2

    pdf = certificate_pdf(client, certificate)
    document = pypdfium2.PdfDocument(pdf)
    try:
        width, height = document[0].get_size()
    finally:
        document.close()
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = pdf_text(pdf)
    for word in ["تاییدیه تحصیلی", "متوسطه دوم", "زهرا احمدی", "تیر"]:
        assert word in text or word[::-1] in text, word
    assert to_persian_digits(certificate.holder_national_code) in text
    assert "۱۸٫۰۴" in text  # the average GPA with the Persian decimal separator
    assert "۱۳۷۵" in text  # the Jalali birth year
    fonts = _pdf_font_names(pdf)
    assert fonts and all("Vazirmatn" in name for name in fonts), fonts


def test_a_revoked_certificate_prints_as_revoked(client, certificate):
    from pishkhan.accounts.models import User
    from pishkhan.cases.services import transition

    def says_revoked(text: str) -> bool:
        return "اعتبار ندارد" in text or "اعتبار ندارد"[::-1] in text

    assert not says_revoked(pdf_text(certificate_pdf(client, certificate)))
    officer = User.objects.get(username="sanjesh-tehran")
    transition(certificate.request_id, "revoke", officer, comment="صدور اشتباه")
    assert says_revoked(pdf_text(certificate_pdf(client, certificate)))
