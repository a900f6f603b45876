"""Invoices, payments and refunds: every rial a request costs, who collected it, and when.

An invoice is made with its request, in the same transaction (``payments.invoicing``), from the
request's fee-line snapshot; it never changes its lines afterwards. Payments and refunds are rows
of their own; the invoice keeps the running sums (``paid_rials``, ``refunded_rials``) under its
row lock, and every movement is an audit event (subject ``invoice``).
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Crockford's base32 without I, L, O, U: read aloud or typed from paper without confusion.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERIFICATION_CODE_LENGTH = 16  # 80 random bits


def new_verification_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(VERIFICATION_CODE_LENGTH))


class InvoiceStatus(models.TextChoices):
    UNPAID = "unpaid", _("Unpaid")
    PAID = "paid", _("Paid")
    PARTLY_REFUNDED = "partly_refunded", _("Partly refunded")
    REFUNDED = "refunded", _("Refunded")


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
    version = models.PositiveIntegerField(default=0)

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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
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
