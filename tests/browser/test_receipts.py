"""A receipt's QR code, read off the printed page as a phone would, opens its public verification
page: the official breakdown beside what was charged, and the report-overcharge link."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits

from .conftest import ARTIFACTS, assert_accessible, sign_in


def _tracking_code(live_server_process, idempotency_key: str) -> str:
    query = "SELECT tracking_code FROM cases_servicerequest WHERE idempotency_key = %s"
    url = live_server_process.database_url
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(query.replace("%s", "?"), (idempotency_key,)).fetchone()[0]
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(query, (idempotency_key,)).fetchone()[0]


def _read_qr(png: bytes) -> list[str]:
    import zxingcpp
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


def test_the_receipts_qr_code_opens_the_verification_page(
    page, browser, server_url, live_server_process
):
    tracking = _tracking_code(live_server_process, "demo-office-submitted")
    sign_in(page, server_url, "operator-1001")
    page.goto(f"{server_url}/office/requests/{tracking}/")
    page.get_by_role("link", name="چاپ رسید").click()
    expect(page.locator(".code")).to_have_text(to_persian_digits(tracking))
    qr = page.locator(".receipt-qr img")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_role("link", name="دریافت PDF")).to_be_visible()
    assert_accessible(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "receipt-with-qr.png"), full_page=True)

    # A phone's camera sees the page: decode the QR code from a screenshot of the whole receipt.
    texts = _read_qr(page.screenshot(full_page=True))
    assert len(texts) == 1, texts
    verify_url = texts[0]
    parts = urlsplit(verify_url)
    assert verify_url.startswith(server_url + "/verify/")
    assert parse_qs(parts.query)["s"][0].count(".") == 1

    # The PDF link serves a real PDF of the same receipt.
    pdf_path = page.get_by_role("link", name="دریافت PDF").get_attribute("href")
    pdf = page.request.get(server_url + pdf_path)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # On a phone the receipt fits the screen: the code and the address wrap, nothing is cut.
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, overflow
    page.screenshot(path=str(ARTIFACTS / "receipt-phone.png"), full_page=True)

    # Someone else, not signed in, opens the decoded address.
    visitor = browser.new_context(locale="fa-IR").new_page()
    visitor.goto(verify_url)
    expect(visitor.get_by_role("heading", level=1)).to_have_text("راستی‌آزمایی رسید")
    expect(visitor.locator(".signature-valid")).to_be_visible()
    breakdown = visitor.locator(".verify-breakdown")
    expect(breakdown.locator("tbody tr")).to_have_count(3)
    expect(breakdown.locator('tr[data-line="government"] .official')).to_contain_text("ریال")
    expect(breakdown.locator('tr[data-line="office_fee"] .official')).to_contain_text("حداکثر")
    report = visitor.get_by_role("link", name="گزارش گران‌فروشی")
    expect(report).to_be_visible()
    assert report.get_attribute("href") == f"/feedback/complain/{tracking}/?kind=overcharge"
    body = visitor.locator("body").inner_text()
    citizen_code = demo_national_code(1)
    assert citizen_code not in body and to_persian_digits(citizen_code) not in body
    assert_accessible(visitor)
    visitor.screenshot(path=str(ARTIFACTS / "receipt-verify.png"), full_page=True)

    # A forged signature is called out on the same page.
    token = parse_qs(parts.query)["s"][0]
    visitor.goto(f"{server_url}{parts.path}?s={token[:-4]}AAAA")
    expect(visitor.locator(".signature-invalid")).to_be_visible()
    visitor.context.close()
