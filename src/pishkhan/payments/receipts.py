"""What a receipt says, built once from an invoice and shown three ways: the print view, the PDF
and the public verification page (which shows only the parts without personal data).

Each charged line stands beside the official figure for the day the request was filed: the
agency's government fee, the regulator's office-fee cap, and VAT on the office fee as it may be
charged (on at most the cap). A line above its official figure is an overcharge.

The QR code opens ``/verify/<code>/?s=<token>``: the query (not a fragment, which browsers do not
send) lets the page itself say whether the token's signature holds; the token alone, signed with
the platform's Ed25519 key, can be checked offline (``payments.signing``, docs/receipts.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from pishkhan.cases.models import ServiceRequest
from pishkhan.catalog.fees import fee_in_force, vat_on, vat_percent
from pishkhan.catalog.models import Channel, FeeKind
from pishkhan.core.i18n import active_language

from . import signing
from .models import Invoice, InvoiceStatus, Payment, PaymentStatus, Refund

PAYLOAD_VERSION = 1
TOKEN_PARAMETER = "s"


@dataclass(frozen=True)
class ReceiptLine:
    code: str
    label_fa: str
    label_en: str
    charged_rials: int
    # The official figure for this line on the filing date; None where there is none (a
    # government fee the agency assesses per case, a line we do not know).
    official_rials: int | None
    # The most this line may lawfully be (the cap, VAT on the cap; the charge itself where
    # there is no official figure): what the official total adds up.
    max_rials: int = 0
    # True for the office fee: the official figure is a maximum, not the price.
    official_is_cap: bool = False

    @property
    def label(self) -> str:
        return self.label_en if active_language() == "en" and self.label_en else self.label_fa

    @property
    def excess_rials(self) -> int:
        """How much was charged above the official figure (0 when within it)."""
        if self.official_rials is None:
            return 0
        return max(0, self.charged_rials - self.official_rials)

    @property
    def is_over(self) -> bool:
        return self.excess_rials > 0


@dataclass(frozen=True)
class Receipt:
    invoice: Invoice
    request: ServiceRequest
    fees_on: dt.date
    lines: tuple[ReceiptLine, ...]
    payments: tuple[Payment, ...]
    refunds: tuple[Refund, ...]
    vat_percent: int

    @property
    def verification_code(self) -> str:
        return self.invoice.verification_code

    @property
    def verification_code_grouped(self) -> str:
        """``ABCD-EFGH-JKMN-PQRS``: easier to read aloud and type (hyphens are ignored)."""
        code = self.verification_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

    @property
    def tracking_code(self) -> str:
        return self.request.tracking_code

    @property
    def total_charged_rials(self) -> int:
        return self.invoice.total_rials

    @property
    def official_total_rials(self) -> int:
        """The most the request could lawfully cost on its filing date (lines without an
        official figure count as charged)."""
        return sum(line.max_rials for line in self.lines)

    @property
    def excess_rials(self) -> int:
        return sum(line.excess_rials for line in self.lines)

    @property
    def is_overcharged(self) -> bool:
        return self.excess_rials > 0

    @property
    def status_label(self) -> str:
        return str(InvoiceStatus(self.invoice.status).label)


def filing_date(service_request: ServiceRequest) -> dt.date:
    """The day whose fees a request was charged (as ``cases.services`` chose them)."""
    return timezone.localtime(service_request.submitted_at).date()


def official_lines(invoice: Invoice, service_request: ServiceRequest) -> tuple[ReceiptLine, ...]:
    service = service_request.service
    on = filing_date(service_request)
    government = fee_in_force(service, FeeKind.GOVERNMENT, on)
    cap = (
        fee_in_force(service, FeeKind.OFFICE_CAP, on)
        if service_request.channel == Channel.OFFICE
        else 0
    )
    office_charged = invoice.line_amount("office_fee")
    lines = []
    for line in invoice.lines:
        code = str(line.get("code", ""))
        charged = int(line.get("amount", 0))
        official: int | None
        if code == "government":
            assessed = service.government_fee_assessed and government == 0
            official = None if assessed else government
            most = charged if official is None else official
        elif code == "office_fee":
            official = most = cap
        elif code == "vat":
            # VAT is due on the office fee charged, up to the cap; on an excess it is excess too.
            official = vat_on(min(office_charged, cap), on)
            most = vat_on(cap, on)
        else:
            official, most = None, charged
        lines.append(
            ReceiptLine(
                code=code,
                label_fa=str(line.get("label_fa", code)),
                label_en=str(line.get("label_en", "")),
                charged_rials=charged,
                official_rials=official,
                max_rials=most,
                official_is_cap=code == "office_fee",
            )
        )
    return tuple(lines)


def build_receipt(invoice: Invoice) -> Receipt:
    """The receipt of an invoice: its request (with service, agency and office loaded) must be
    reachable as ``invoice.request``."""
    service_request = invoice.request
    payments = tuple(
        invoice.payments.filter(status=PaymentStatus.PAID).order_by("settled_at", "pk")
    )
    refunds = tuple(invoice.refunds.order_by("created_at", "pk"))
    return Receipt(
        invoice=invoice,
        request=service_request,
        fees_on=filing_date(service_request),
        lines=official_lines(invoice, service_request),
        payments=payments,
        refunds=refunds,
        vat_percent=vat_percent(filing_date(service_request)),
    )


def receipt_for_request(service_request: ServiceRequest) -> Receipt | None:
    """The receipt of a request the caller may already see (None if it has no invoice)."""
    invoice = Invoice.objects.filter(request=service_request).first()
    if invoice is None:
        return None
    invoice.request = service_request  # keep the caller's loaded relations
    return build_receipt(invoice)


def receipt_for_code(code: str) -> Receipt | None:
    """The receipt with this verification code, for the public page (None if there is none)."""
    invoice = (
        Invoice.objects.select_related(
            "request__service__agency", "request__office", "request__office__county", "office"
        )
        .filter(verification_code=normalize_code(code))
        .first()
    )
    return build_receipt(invoice) if invoice else None


# Crockford's base32 reads I and L as 1 and O as 0: a code typed from paper still finds its receipt.
_CROCKFORD_READING = str.maketrans({"I": "1", "L": "1", "O": "0"})


def normalize_code(code: str) -> str:
    return code.strip().upper().replace("-", "").replace(" ", "").translate(_CROCKFORD_READING)


# --- the signed payload -----------------------------------------------------------------------


def _epoch(value: dt.datetime | None) -> int | None:
    return int(value.timestamp()) if value else None


def claims(receipt: Receipt, issued_at: dt.datetime) -> dict[str, Any]:
    """What the QR code vouches for, in as few bytes as stay readable.

    v: payload version · c: verification code · t: tracking code · a: total charged (Rials) ·
    p: paid at (Unix seconds, null while unpaid) · o: office licence number ("" online) ·
    i: issued at (Unix seconds)."""
    office = receipt.request.office
    return {
        "v": PAYLOAD_VERSION,
        "c": receipt.verification_code,
        "t": receipt.tracking_code,
        "a": receipt.total_charged_rials,
        "p": _epoch(receipt.invoice.paid_at),
        "o": office.licence_number if office else "",
        "i": _epoch(issued_at),
    }


def signed_token(receipt: Receipt, issued_at: dt.datetime | None = None) -> str:
    return signing.sign_payload(claims(receipt, issued_at or timezone.now()))


def verification_path(receipt: Receipt, token: str | None = None) -> str:
    path = reverse("payments:verify", args=[receipt.verification_code])
    return f"{path}?{TOKEN_PARAMETER}={token}" if token else path


def verification_url(http_request: HttpRequest, receipt: Receipt, token: str) -> str:
    return http_request.build_absolute_uri(verification_path(receipt, token))


def qr_data_uri(url: str) -> str:
    """The QR code of a URL as an SVG data URI (vector: sharp on paper and screen alike).

    Error correction M (15 %) survives a crease or a smudge; segno raises it when the code's size
    allows, and keeps the 4-module quiet zone readers need."""
    return str(segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=4))


@dataclass(frozen=True)
class PrintedReceipt:
    """A receipt as printed: its content, the signed token and its QR code."""

    receipt: Receipt
    token: str
    verify_url: str
    qr: str


def printed(http_request: HttpRequest, receipt: Receipt) -> PrintedReceipt:
    token = signed_token(receipt)
    url = verification_url(http_request, receipt, token)
    return PrintedReceipt(receipt=receipt, token=token, verify_url=url, qr=qr_data_uri(url))


# --- checking a token against the records -----------------------------------------------------


class TokenCheck:
    ABSENT = "absent"  # the page was opened without a token (a typed code)
    VALID = "valid"  # signed by this platform, and it matches the records
    MISMATCH = "mismatch"  # signed by this platform, but for other figures or another receipt
    INVALID = "invalid"  # not signed by this platform's key, or malformed


@dataclass(frozen=True)
class TokenResult:
    status: str
    issued_at: dt.datetime | None = None
    paid_when_issued: bool = False

    @property
    def is_valid(self) -> bool:
        return self.status == TokenCheck.VALID

    @property
    def is_mismatch(self) -> bool:
        return self.status == TokenCheck.MISMATCH

    @property
    def is_invalid(self) -> bool:
        return self.status == TokenCheck.INVALID


def check_token(receipt: Receipt, token: str) -> TokenResult:
    if not token:
        return TokenResult(TokenCheck.ABSENT)
    try:
        payload = signing.verify_published(token)
    except signing.InvalidToken:
        return TokenResult(TokenCheck.INVALID)
    issued = payload.get("i")
    issued_at = (
        dt.datetime.fromtimestamp(issued, dt.UTC)
        if isinstance(issued, int) and not isinstance(issued, bool)
        else None
    )
    office = receipt.request.office
    paid = payload.get("p")
    matches = (
        payload.get("v") == PAYLOAD_VERSION
        and payload.get("c") == receipt.verification_code
        and payload.get("t") == receipt.tracking_code
        and payload.get("a") == receipt.total_charged_rials
        and payload.get("o") == (office.licence_number if office else "")
        and issued_at is not None
        # Printed before payment (null), or naming the payment the records hold.
        and (paid is None or paid == _epoch(receipt.invoice.paid_at))
    )
    if not matches:
        return TokenResult(TokenCheck.MISMATCH)
    return TokenResult(TokenCheck.VALID, issued_at=issued_at, paid_when_issued=paid is not None)


# --- the PDF ----------------------------------------------------------------------------------

# What the PDF loads, and all it may load besides data: URIs: the print stylesheet and the
# vendored Vazirmatn faces it names (relative to itself).
PDF_STYLESHEET = "css/receipt.css"
PDF_FILES = (
    PDF_STYLESHEET,
    "vendor/vazirmatn/Vazirmatn-Regular.woff2",
    "vendor/vazirmatn/Vazirmatn-Bold.woff2",
)


def _static_file_uri(name: str) -> str:
    from django.contrib.staticfiles import finders

    found = finders.find(name)
    if not found:
        raise FileNotFoundError(f"static file {name} is missing")
    return Path(str(found)).resolve().as_uri()


def pdf_stylesheet(name: str = PDF_STYLESHEET) -> str:
    """A print stylesheet as a file: URL (the PDF template links it)."""
    return _static_file_uri(name)


@lru_cache(maxsize=4)
def _fetcher_class(files: tuple[str, ...]) -> Any:
    from weasyprint.urls import URLFetcher

    class DocumentFiles(URLFetcher):  # type: ignore[misc]
        """Loads the document's stylesheet, its fonts and data: URIs (the QR code), nothing
        else: a receipt or certificate never makes the server fetch a URL or read a file named
        in its text."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            allowed = {_static_file_uri(name) for name in files}
            if url.startswith("data:") or url in allowed:
                return super().fetch(url, headers)
            raise ValueError(f"not fetched while rendering a PDF: {url[:80]}")

    return DocumentFiles


def render_pdf(html: str, files: tuple[str, ...] = PDF_FILES) -> bytes:
    """A PDF of ``html`` (WeasyPrint), which may load only ``files`` (static paths) and data:
    URIs."""
    from weasyprint import HTML

    fetcher = _fetcher_class(files)(timeout=5, allow_redirects=False)
    pdf: bytes = HTML(string=html, url_fetcher=fetcher).write_pdf()
    return pdf
