"""Receipts: the signed payload, the QR code read back from the rendered PDF, the PDF's Persian
text, who may see a receipt, and the public verification page."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import FeeKind
from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_ascii_digits as to_latin
from pishkhan.core.text import to_persian_digits
from pishkhan.payments import signing
from pishkhan.payments.models import Invoice, InvoiceStatus, Payment, PaymentMethod, PaymentStatus
from pishkhan.payments.receipts import (
    TokenCheck,
    build_receipt,
    check_token,
    claims,
    signed_token,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# A fixed key for the tests (the embedded default and the key file have their own tests).
TEST_KEY_PEM = signing.generate_private_key_pem()


@pytest.fixture(autouse=True)
def _test_key_and_fresh_limits(settings):
    settings.PISHKHAN_SIGNING_KEY = TEST_KEY_PEM
    cache.clear()  # the verify page's per-minute counters
    yield
    cache.clear()


@pytest.fixture
def office_request() -> ServiceRequest:
    """Filed at office 23-1001 (Tehran) for the demo citizen of seed 1."""
    return ServiceRequest.objects.select_related("service__agency", "office", "citizen").get(
        idempotency_key="demo-office-submitted"
    )


@pytest.fixture
def citizen(office_request) -> User:
    return office_request.citizen


@pytest.fixture
def other_citizen() -> User:
    user = User.objects.get(username=demo_national_code(2))
    assert user.role == "citizen"
    return user


def paid(invoice: Invoice) -> Invoice:
    """Settle an invoice in cash (the payments app's counter does this; here only the rows)."""
    now = timezone.now()
    Payment.objects.create(
        invoice=invoice,
        method=PaymentMethod.CASH,
        status=PaymentStatus.PAID,
        amount_rials=invoice.total_rials,
        settled_at=now,
        reference="R-42",
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        status=InvoiceStatus.PAID, paid_rials=invoice.total_rials, paid_at=now
    )
    invoice.refresh_from_db()
    return invoice


def public_pem(client) -> str:
    response = client.get(reverse("payments:public_key"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def decode_qr_codes(image) -> list[str]:
    import zxingcpp

    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def pdf_page_image(pdf: bytes, scale: float = 3.0):
    """Page 1 of a PDF as PDFium paints it (as a viewer or printer would)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=scale).to_pil().convert("L")
    finally:
        document.close()


def pdf_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


# --- the signature ----------------------------------------------------------------------------


def test_the_signature_verifies_with_only_the_published_public_key(client, office_request):
    receipt = build_receipt(office_request.invoice)
    token = signed_token(receipt)
    pem = public_pem(client)
    assert "BEGIN PUBLIC KEY" in pem
    payload = signing.verify_payload(token, pem)
    assert payload == claims(receipt, timezone.now()) | {"i": payload["i"]}
    assert payload["c"] == office_request.invoice.verification_code
    assert payload["t"] == office_request.tracking_code
    assert payload["a"] == office_request.fee_total_rials > 0
    assert payload["o"] == "23-1001" and payload["p"] is None
    # The raw key (32 bytes, base64) works alike.
    raw = client.get(reverse("payments:public_key") + "?format=raw").content.decode().strip()
    assert len(base64.b64decode(raw)) == 32
    assert signing.verify_payload(token, base64.b64decode(raw)) == payload
    assert client.get(reverse("payments:public_key") + "?format=der").status_code == 400


def test_verification_needs_no_django_no_database_and_no_secret(tmp_path, client, office_request):
    """A third party with the public key and the token, in a fresh interpreter with no settings."""
    token = signed_token(build_receipt(office_request.invoice))
    key_file = tmp_path / "pishkhan.pub.pem"
    key_file.write_text(public_pem(client))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "SECRET", "PISH"))}
    script = (
        "import sys; from pishkhan.payments.signing import verify_payload;"
        "print(verify_payload(sys.argv[1], open(sys.argv[2]).read())['t'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, token, str(key_file)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == office_request.tracking_code


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_checks_the_signature_as_docs_receipts_md_says(tmp_path, client, office_request):
    token = signed_token(build_receipt(office_request.invoice))
    body, signature = token.split(".")
    (tmp_path / "key.pem").write_text(public_pem(client))
    (tmp_path / "payload.json").write_bytes(signing.b64url_decode(body))
    (tmp_path / "signature.bin").write_bytes(signing.b64url_decode(signature))
    command = [
        "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "key.pem", "-rawin",
        "-in", "payload.json", "-sigfile", "signature.bin",
    ]  # fmt: skip
    good = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert good.returncode == 0 and "Signature Verified Successfully" in good.stdout
    (tmp_path / "payload.json").write_bytes(signing.b64url_decode(body).replace(b'"a":', b'"a":1'))
    bad = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert bad.returncode != 0


def test_a_tampered_payload_or_signature_fails(office_request):
    token = signed_token(build_receipt(office_request.invoice))
    key = signing.public_key()
    body, signature = token.split(".")
    payload = signing.b64url_decode(body)
    cheaper = payload.replace(
        f'"a":{office_request.fee_total_rials}'.encode(),
        f'"a":{office_request.fee_total_rials - 1}'.encode(),
    )
    assert cheaper != payload
    with pytest.raises(signing.InvalidToken):
        signing.verify_payload(f"{signing.b64url_encode(cheaper)}.{signature}", key)
    raw_signature = bytearray(signing.b64url_decode(signature))
    raw_signature[10] ^= 0x01
    with pytest.raises(signing.InvalidToken):
        signing.verify_payload(f"{body}.{signing.b64url_encode(bytes(raw_signature))}", key)
    other_key = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(signing.InvalidToken):
        signing.verify_payload(token, other_key)
    for malformed in ["", "abc", f"{body}.{signature}.x", f"{body}!.{signature}", f"{body}.AAAA"]:
        with pytest.raises(signing.InvalidToken):
            signing.verify_payload(malformed, key)
    with pytest.raises(signing.InvalidToken):
        signing.verify_payload("A" * 5000 + "." + signature, key)
    assert signing.verify_payload(token, key)["t"] == office_request.tracking_code


def test_a_token_is_checked_against_the_records(office_request):
    invoice = office_request.invoice
    receipt = build_receipt(invoice)
    token = signed_token(receipt)
    assert check_token(receipt, token).status == TokenCheck.VALID
    assert check_token(receipt, "").status == TokenCheck.ABSENT
    assert check_token(receipt, token[:-3] + "AAA").status == TokenCheck.INVALID
    # Signed by us, but another receipt's: a copied QR code on a forged paper.
    other = Invoice.objects.exclude(pk=invoice.pk).select_related("request").first()
    other_token = signed_token(build_receipt(other))
    assert check_token(receipt, other_token).status == TokenCheck.MISMATCH
    # A receipt printed before payment stays valid once paid; one naming another payment not.
    paid(invoice)
    later = build_receipt(Invoice.objects.select_related("request").get(pk=invoice.pk))
    assert check_token(later, token).status == TokenCheck.VALID
    assert check_token(later, signed_token(later)).status == TokenCheck.VALID
    assert check_token(later, signed_token(later)).paid_when_issued
    # Signed with a key that is not ours: invalid, even though well formed.
    forged = signing.sign_payload(claims(later, timezone.now()), Ed25519PrivateKey.generate())
    assert check_token(later, forged).status == TokenCheck.INVALID


# --- the key ----------------------------------------------------------------------------------


def test_the_embedded_default_makes_one_key_under_var_and_keeps_it(settings, tmp_path):
    settings.PISHKHAN_SIGNING_KEY = ""
    settings.VAR_DIR = tmp_path
    first = signing.public_key_raw()
    key_file = tmp_path / signing.KEY_FILE_NAME
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0
    signing._key_in_file.cache_clear()  # a new process reads the same file
    assert signing.public_key_raw() == first
    assert list(tmp_path.iterdir()) == [key_file]  # no temporary file left behind


def test_a_bad_configured_key_fails_loudly(settings):
    settings.PISHKHAN_SIGNING_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured):
        signing.signing_key()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    settings.PISHKHAN_SIGNING_KEY = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    with pytest.raises(ImproperlyConfigured, match="Ed25519"):
        signing.signing_key()


def test_production_reads_the_key_from_pishkhan_signing_key_file(tmp_path):
    key_file = tmp_path / "signing.pem"
    key_file.write_text(TEST_KEY_PEM)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pishkhan.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x",
        "PISHKHAN_SIGNING_KEY_FILE": str(key_file),
        "PISHKHAN_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("PISHKHAN_SIGNING_KEY", None)
    script = (
        "import django; django.setup(); from pishkhan.payments import signing;"
        "print(signing.public_key_pem())"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == signing.public_key_pem().strip()
    assert not (tmp_path / "var").exists()  # no key generated when one is configured


# --- the PDF, read back as a printer would --------------------------------------------------


def test_the_qr_code_read_from_the_rendered_pdf_opens_the_verification_page(
    client, office_request, citizen
):
    client.force_login(citizen)
    response = client.get(reverse("payments:receipt_pdf", args=[office_request.tracking_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")

    image = pdf_page_image(pdf)
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    image.save(ROOT / "test-artifacts" / "receipt-pdf-page-1.png")  # to look at
    texts = decode_qr_codes(image)
    assert len(texts) == 1, "exactly one QR code on the rendered page"
    url = urlsplit(texts[0])
    invoice = office_request.invoice
    assert url.scheme == "http" and url.netloc == "testserver"
    assert url.path == reverse("payments:verify", args=[invoice.verification_code])
    token = parse_qs(url.query)["s"][0]
    payload = signing.verify_payload(token, public_pem(client))
    assert payload["c"] == invoice.verification_code
    assert payload["t"] == office_request.tracking_code
    assert payload["a"] == invoice.total_rials

    # The decoded URL, opened by someone else (signed out), says the signature holds.
    client.logout()
    page = client.get(f"{url.path}?{url.query}")
    assert page.status_code == 200
    assert b"signature-valid" in page.content


def test_the_pdf_is_persian_text_in_vazirmatn_with_persian_digits_and_jalali_dates(
    client, office_request, citizen
):
    from pishkhan.core.jalali import format_jalali_date

    client.force_login(citizen)
    pdf = client.get(reverse("payments:receipt_pdf", args=[office_request.tracking_code])).content
    text = pdf_text(pdf)
    import pypdfium2

    assert len(pypdfium2.PdfDocument(pdf)) == 1  # one A5 sheet, the QR code on it
    # Digits come out as Persian digits, amounts grouped with the Persian separator.
    assert to_persian_digits(office_request.tracking_code) in text
    assert "۳۰۰٬۰۰۰" in text
    # The Jalali date of filing (day month year) is printed.
    jalali = format_jalali_date(office_request.submitted_at)
    day, month, year = jalali.split()
    assert year in text and day in text
    # Persian words survive shaping: the text layer maps the joined glyphs back to letters.
    for word in ["رسید", "کد رهگیری", "شناسنامه", month]:
        assert word in text or word[::-1] in text, word
    # Shaped by HarfBuzz in the embedded Vazirmatn, not a fallback font.
    fonts = _pdf_font_names(pdf)
    assert fonts and all("Vazirmatn" in name for name in fonts), fonts
    # The verification code is printed under the QR code for typing by hand.
    assert build_receipt(office_request.invoice).verification_code_grouped in text


def _pdf_font_names(pdf: bytes) -> set[str]:
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    names = set()
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT]):
                font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
                size = pdfium_c.FPDFFont_GetBaseFontName(font, None, 0)
                buffer = (pdfium_c.c_char * size)()
                pdfium_c.FPDFFont_GetBaseFontName(font, buffer, size)
                names.add(bytes(buffer).rstrip(b"\0").decode())
    finally:
        document.close()
    return names


# --- who may see a receipt --------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["payments:receipt", "payments:receipt_pdf"])
def test_only_who_may_see_the_request_gets_its_receipt(
    client, settings, office_request, citizen, other_citizen, url_name
):
    settings.PISHKHAN_STAFF_OTP = False
    url = reverse(url_name, args=[office_request.tracking_code])
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("cases:portal_login"))
    for outsider in [
        other_citizen,
        *User.objects.filter(username__in=["operator-1002", "operator-2001"]),
    ]:
        client.force_login(outsider)
        assert client.get(url).status_code == 404, outsider.username
    for insider in [citizen, User.objects.get(username="operator-1001")]:
        client.force_login(insider)
        assert client.get(url).status_code == 200, insider.username
    client.force_login(citizen)
    assert client.get(reverse(url_name, args=["000000000000"])).status_code == 404


def test_the_print_receipt_shows_the_qr_the_pdf_link_and_the_payment(
    client, office_request, citizen
):
    invoice = paid(office_request.invoice)
    client.force_login(citizen)
    page = client.get(reverse("payments:receipt", args=[office_request.tracking_code]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="receipt-qr"' in html and 'src="data:image/svg+xml' in html
    assert reverse("payments:receipt_pdf", args=[office_request.tracking_code]) in html
    assert build_receipt(invoice).verification_code_grouped in html
    assert 'data-payment="cash"' in html and "R-42" in to_latin(html)  # paid in cash, slip R-42
    assert to_persian_digits(citizen.national_code) in html  # the citizen's own paper
    # Where to track it, as an address one can type (not a bare "/track/").
    assert '<span dir="ltr" class="track-address">testserver/track/</span>' in html


def test_the_counter_and_portal_receipts_carry_the_qr_and_link_the_pdf(
    client, settings, office_request, citizen
):
    settings.PISHKHAN_STAFF_OTP = False
    pdf_url = reverse("payments:receipt_pdf", args=[office_request.tracking_code])
    client.force_login(User.objects.get(username="operator-1001"))
    counter = client.get(reverse("cases:office_receipt", args=[office_request.tracking_code]))
    client.force_login(citizen)
    portal = client.get(reverse("cases:portal_receipt", args=[office_request.tracking_code]))
    for response in (counter, portal):
        html = response.content.decode()
        assert response.status_code == 200
        assert 'class="receipt-qr"' in html and pdf_url in html
        assert "?s=" in html or "data:image/svg+xml" in html


def test_the_receipt_page_names_the_sites_icon(client, settings, office_request, citizen):
    # A page that names no icon makes the browser ask for /favicon.ico: a 404 in its console on
    # every receipt shown (the product walk of 2026-12-02). The receipt is a page of its own,
    # not base.html's.
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="operator-1001"))
    counter = client.get(reverse("cases:office_receipt", args=[office_request.tracking_code]))
    client.force_login(citizen)
    portal = client.get(reverse("cases:portal_receipt", args=[office_request.tracking_code]))
    for response in (counter, portal):
        head = response.content.decode().split("</head>")[0]
        assert re.search(r'<link rel="icon" href="[^"]*favicon[^"]*\.svg"', head), head


# --- the public verification page -------------------------------------------------------------


def test_the_verify_page_shows_the_official_breakdown_and_no_personal_data(
    client, office_request, citizen
):
    invoice = office_request.invoice
    service = office_request.service
    response = client.get(reverse("payments:verify", args=[invoice.verification_code]))
    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    html = response.content.decode()
    on = timezone.localtime(office_request.submitted_at).date()
    government = fee_in_force(service, FeeKind.GOVERNMENT, on)
    cap = fee_in_force(service, FeeKind.OFFICE_CAP, on)
    assert cap > 0
    for code in ("government", "office_fee", "vat"):
        assert f'data-line="{code}"' in html
    assert to_persian_digits(f"{government:,}".replace(",", "٬")) in html
    assert to_persian_digits(f"{cap:,}".replace(",", "٬")) in html  # the cap, beside the charge
    assert "signature-absent" in html and "over-official" not in html
    assert "شناسنامه" in html  # the service
    complain = reverse("feedback:complain", args=[office_request.tracking_code])
    assert f'href="{complain}?kind=overcharge"' in html
    assert "btn-outline-danger btn-sm report-overcharge" in html  # present, not highlighted
    # Nothing about the person: no name, no national code, in either digit set.
    for private in (
        citizen.first_name,
        citizen.last_name,
        citizen.national_code,
        to_persian_digits(citizen.national_code),
        citizen.mobile,
    ):
        assert private and private not in html, private


def test_an_office_fee_above_the_cap_is_flagged_with_the_report_highlighted(client, office_request):
    invoice = office_request.invoice
    on = timezone.localtime(office_request.submitted_at).date()
    cap = fee_in_force(office_request.service, FeeKind.OFFICE_CAP, on)
    lines = [
        {**line, "amount": cap + 100_000} if line["code"] == "office_fee" else line
        for line in invoice.lines
    ]
    Invoice.objects.filter(pk=invoice.pk).update(
        lines=lines, total_rials=sum(line["amount"] for line in lines)
    )
    receipt = build_receipt(Invoice.objects.select_related("request__service").get(pk=invoice.pk))
    assert receipt.is_overcharged and receipt.excess_rials >= 100_000
    html = client.get(reverse("payments:verify", args=[invoice.verification_code])).content
    html = html.decode()
    assert 'data-line="office_fee" class="table-danger over-official"' in html
    assert "btn btn-danger btn-lg report-overcharge" in html
    assert to_persian_digits("۱۰۰٬۰۰۰") in html  # by how much


def test_the_verify_page_judges_the_token_in_the_url(client, office_request):
    invoice = office_request.invoice
    url = reverse("payments:verify", args=[invoice.verification_code])
    token = signed_token(build_receipt(invoice))
    assert b"signature-valid" in client.get(url, {"s": token}).content
    assert b"signature-invalid" in client.get(url, {"s": token[:-4] + "AAAA"}).content
    assert b"signature-invalid" in client.get(url, {"s": "garbage"}).content
    other = Invoice.objects.exclude(pk=invoice.pk).select_related("request").first()
    copied = signed_token(build_receipt(other))
    assert b"signature-mismatch" in client.get(url, {"s": copied}).content
    # Typed by hand: lower case, hyphens, O for 0 and I/L for 1 all find the receipt.
    typed = "-".join(invoice.verification_code[i : i + 4] for i in range(0, 16, 4)).lower()
    assert client.get(reverse("payments:verify", args=[typed])).status_code == 200


def test_an_unknown_code_is_a_persian_404(client):
    for code in ["0000000000000000", "nope", "x" * 200]:
        response = client.get(reverse("payments:verify", args=[code]))
        assert response.status_code == 404
        html = response.content.decode()
        assert "verify-not-found" in html and "هیچ رسید یا گواهی‌ای" in html


def test_the_verify_page_is_rate_limited_per_client(client, settings, office_request):
    settings.PISHKHAN_VERIFY_PER_MINUTE = 3
    url = reverse("payments:verify", args=[office_request.invoice.verification_code])
    codes = [client.get(url, REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get(reverse("payments:verify", args=["0" * 16]), REMOTE_ADDR="203.0.113.7")
    assert limited.status_code == 429 and "دقیقه" in limited.content.decode()
    # Another client is not affected.
    assert client.get(url, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_online_receipts_have_no_office_fee_and_an_exact_official_total(client, settings):
    request = ServiceRequest.objects.get(idempotency_key="demo-online-submitted")
    receipt = build_receipt(Invoice.objects.select_related("request__service").get(request=request))
    assert [line.code for line in receipt.lines] == ["government"]
    assert receipt.official_total_rials == receipt.total_charged_rials
    assert claims(receipt, timezone.now())["o"] == ""
    html = client.get(reverse("payments:verify", args=[receipt.verification_code])).content
    assert "برخط" in html.decode()


def test_the_qr_payload_fits_a_small_qr_code(office_request):
    """The QR must stay readable at 38 mm: a version at most 13 (69 modules)."""
    import segno

    receipt = build_receipt(office_request.invoice)
    url = f"https://pishkhan.example.ir/verify/{receipt.verification_code}/?s="
    qr = segno.make(url + signed_token(receipt), error="m", micro=False)
    assert qr.version <= 13, qr.version


def test_rendering_a_receipt_fetches_nothing_but_its_own_files(monkeypatch):
    from weasyprint.urls import URLFetcher

    from pishkhan.payments import receipts

    fetched = []
    real_fetch = URLFetcher.fetch

    def recording_fetch(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(URLFetcher, "fetch", recording_fetch)
    html = (
        f'<html><head><link rel="stylesheet" href="{receipts.pdf_stylesheet()}"></head><body>'
        '<img src="file:///etc/passwd" alt=""><img src="http://203.0.113.1/x.png" alt="">'
        "<p>متن</p></body></html>"
    )
    pdf = receipts.render_pdf(html)  # renders, leaving out what it may not fetch
    assert pdf.startswith(b"%PDF-")
    assert fetched and all(url.startswith("file://") for url in fetched)
    assert {Path(url).name for url in fetched} == {
        "receipt.css",
        "Vazirmatn-Regular.woff2",
        "Vazirmatn-Bold.woff2",
    }
