"""Invoices, payments and refunds: every rial a request costs, who collected it, and when.

An invoice is made with its request, in the same transaction (``payments.invoicing``), from the
request's fee-line snapshot; it never changes its lines afterwards. Payments and refunds are rows
of their own; the invoice keeps the running sums (``paid_rials``, ``refunded_rials``) under its
row lock, and every movement is an audit event (subject ``invoice``) and one ledger row per fee
line moved (``LedgerEntry``), which settlement sums (docs/money.md).
"""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Crockford's base32 without I, L, O, U: read aloud or typed from paper without confusion.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFICATION_CODE_LENGTH = 16  # 80 random bits


# RFC 4648 base32's symbols, in value order, to Crockford's: each 5-bit value keeps its place.
_FROM_BASE32 = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", CODE_ALPHABET)


def new_verification_code() -> str:
    # 10 random bytes are exactly 16 base32 symbols, uniform over the alphabet, in one draw
    # (a draw per symbol, with rejections, cost about 30 system calls).
    return (
        base64.b32encode(secrets.token_bytes(VERIFICATION_CODE_LENGTH * 5 // 8))
        .decode()
        .translate(_FROM_BASE32)
    )


class InvoiceStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")
    # The request was rejected or cancelled before anything was paid: nothing is due any more.
    VOID = "void", _("Void (nothing due)")


class Invoice(models.Model):
    request = models.OneToOneField(
        "cases.ServiceRequest",
        on_delete=models.PROTECT,
        related_name="invoice",
        verbose_name=_("request"),
    )
    # Who collects: the office at its counter; online (office None), the platform for the agency.
    office = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("office"),
    )
    agency = models.ForeignKey(
        "catalog.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    province = models.ForeignKey(
        "core.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    # The request's fee lines at filing: [{"code", "label_fa", "label_en", "amount"}, ...].
    lines = models.JSONField(_("lines"), default=list)
    total_rials = models.PositiveBigIntegerField(_("total (Rials)"))
    paid_rials = models.PositiveBigIntegerField(_("paid (Rials)"), default=0)
    refunded_rials = models.PositiveBigIntegerField(_("refunded (Rials)"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.UNPAID
    )
    # Printed with the receipt's QR code, which opens /verify/<code>/.
    verification_code = models.CharField(
        _("verification code"),
        max_length=VERIFICATION_CODE_LENGTH,
        unique=True,
        default=new_verification_code,
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.CheckConstraint(
                condition=Q(paid_rials__lte=models.F("total_rials")), name="invoice_paid_le_total"
            ),
            models.CheckConstraint(
                condition=Q(refunded_rials__lte=models.F("paid_rials")),
                name="invoice_refunded_le_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.total_rials}"

    def line_amount(self, code: str) -> int:
        return sum(int(line["amount"]) for line in self.lines if line["code"] == code)

    @property
    def due_rials(self) -> int:
        """What is still to pay: the total while unpaid, else nothing (one payment settles it)."""
        return self.total_rials if self.status == InvoiceStatus.UNPAID else 0

    @property
    def is_payable(self) -> bool:
        return self.status == InvoiceStatus.UNPAID and self.total_rials > 0

    @property
    def is_settled(self) -> bool:
        """Paid, whatever was refunded since (a free request's invoice is settled as made)."""
        return self.status in (
            InvoiceStatus.PAID,
            InvoiceStatus.PARTLY_REFUNDED,
            InvoiceStatus.REFUNDED,
        )


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash at the office")
    POS = "pos", _("Card reader (POS) at the office")
    ONLINE = "online", _("Online, through a payment gateway")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class Payment(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice")
    )
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount_rials = models.PositiveBigIntegerField(_("amount (Rials)"))
    gateway = models.CharField(_("gateway"), max_length=40, blank=True)
    # The gateway's token for this payment (sent to it, returned in the callback).
    authority = models.CharField(_("gateway token"), max_length=100, blank=True)
    # The POS slip's reference, or the gateway's reference/trace number once settled.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    # Why a gateway payment did not settle (cancelled at the gateway, verification refused...).
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            # The reconciliation sweep: pending gateway payments, oldest first.
            models.Index(fields=["status", "created_at"], name="payment_status_age"),
        ]
        constraints = [
            # Paying twice is impossible, not just checked: one paid payment per invoice.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(status="paid"), name="one_paid_payment_per_invoice"
            ),
            models.UniqueConstraint(
                fields=["gateway", "authority"],
                condition=~Q(authority=""),
                name="gateway_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.amount_rials} ({self.status})"


class Refund(models.Model):
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("invoice")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment")
    )
    # Which fee lines, and how much of each: [{"code", "amount"}, ...]; sums to amount_rials.
    lines = models.JSONField(_("lines"), default=list)
    amount_rials = models.PositiveBigIntegerField(_("amount (Rials)"))
    reason = models.CharField(_("reason"), max_length=300)
    # Which rule decided it ("rejected: default rule", "rejected: service rule"), or "" if by hand.
    rule = models.CharField(_("rule"), max_length=100, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self) -> str:
        return f"{self.amount_rials} ({self.reason})"


class RefundRule(models.Model):
    """What a service refunds when one of its requests is rejected or cancelled, for what was
    actually paid. Without a row for the service and the state, the default rule applies
    (``payments.refunds.DEFAULT_RULE``): the government fee is refunded, the office fee (and
    the VAT on it) is kept, since the office has done its work once it filed the request."""

    class State(models.TextChoices):
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")

    service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.CASCADE,
        related_name="refund_rules",
        verbose_name=_("service"),
    )
    state = models.CharField(_("when the request is"), max_length=20, choices=State.choices)
    refund_government = models.BooleanField(_("refund the government fee"), default=True)
    refund_office_fee = models.BooleanField(_("refund the office fee and its VAT"), default=False)

    class Meta:
        ordering = ["service", "state"]
        verbose_name = _("refund rule")
        verbose_name_plural = _("refund rules")
        constraints = [
            models.UniqueConstraint(fields=["service", "state"], name="refund_rule_per_state")
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.state}"


class Movement(models.TextChoices):
    PAYMENT = "payment", _("Payment")
    REFUND = "refund", _("Refund")


class LedgerEntry(models.Model):
    """One fee line moved by one payment (positive) or refund (negative): who collected it (an
    office, or the platform online when ``collector`` is empty) and for whom (the line says:
    the government fee is the agency's, the office fee the office's, VAT the tax office's).
    Settlement is a GROUP BY over these rows. Append-only: written with the movement, in its
    transaction, never changed."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="ledger", verbose_name=_("invoice")
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="+", verbose_name=_("payment")
    )
    refund = models.ForeignKey(
        Refund,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("refund"),
    )
    movement = models.CharField(_("movement"), max_length=10, choices=Movement.choices)
    line = models.CharField(_("fee line"), max_length=20)
    amount_rials = models.BigIntegerField(_("amount (Rials)"))
    collector = models.ForeignKey(
        "offices.Office",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("collected by"),
    )
    agency = models.ForeignKey(
        "catalog.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency")
    )
    province = models.ForeignKey(
        "core.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["at", "collector"], name="ledger_period_collector"),
            models.Index(fields=["agency", "at"], name="ledger_agency_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(movement="payment", amount_rials__gte=0, refund__isnull=True)
                | Q(movement="refund", amount_rials__lte=0, refund__isnull=False),
                name="ledger_sign_follows_movement",
            )
        ]

    def __str__(self) -> str:
        return f"{self.movement} {self.line} {self.amount_rials}"


class SandboxStatus(models.TextChoices):
    CREATED = "created", _("Waiting for the payer")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled by the payer")


class SandboxTransaction(models.Model):
    """The built-in sandbox gateway's own books: what a bank's payment service keeps on its side.
    ``verified_at`` is the merchant's confirmation (verify): a paid transaction never verified is
    returned to the payer, as Iranian gateways do."""

    authority = models.CharField(max_length=64, unique=True)
    amount_rials = models.PositiveBigIntegerField()
    callback_url = models.CharField(max_length=500)
    status = models.CharField(
        max_length=10, choices=SandboxStatus.choices, default=SandboxStatus.CREATED
    )
    reference = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox gateway transaction")
        verbose_name_plural = _("sandbox gateway transactions")

    def __str__(self) -> str:
        return f"{self.authority} {self.amount_rials} ({self.status})"
