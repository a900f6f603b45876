"""What the API answers, field by field. Every name a program reads is stable (docs/api.md);
texts for people come in both languages where the catalogue keeps both (``name_fa``,
``name_en``), and in the active language where the platform composes them (labels of fee lines
and states)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from pishkhan.catalog.models import Channel

FIRST_FEE_YEAR, LAST_FEE_YEAR = 1990, 2199
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"  # the catalogue's codes (SlugField)
FEES_ON_PATTERN = r"^(199[0-9]|2[01][0-9][0-9])-[0-9]{2}-[0-9]{2}$"


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, …")
    message = serializers.CharField(help_text="For people: Persian unless English was chosen.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="What is wrong with each rejected field; empty when none is.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# --- the catalogue ----------------------------------------------------------------------------


class CodeAndNamesSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()


class AgencyRefSerializer(CodeAndNamesSerializer):
    """An agency, by its code and names."""


class AgencySerializer(AgencyRefSerializer):
    website = serializers.CharField()
    service_count = serializers.IntegerField(help_text="Active services of the agency.")


class FeeLineSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="government, office_fee or vat")
    label = serializers.CharField()
    amount_rials = serializers.IntegerField()
    is_maximum = serializers.BooleanField(
        help_text="The office fee and its VAT are caps: an office may charge less, never more."
    )
    is_assessed = serializers.BooleanField(
        help_text="The agency assesses the amount per case (known only inside the request)."
    )


class FeeScheduleSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    lines = FeeLineSerializer(many=True)
    total_rials = serializers.IntegerField()
    is_free = serializers.BooleanField()


class ServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_fa = serializers.CharField()
    name_en = serializers.CharField()
    agency = AgencyRefSerializer()
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), source="channel_codes"
    )
    sla_working_days = serializers.IntegerField()
    fees = FeeScheduleSerializer(many=True, source="fee_schedules")
    page = serializers.CharField(help_text="The service's page on the site (path).")


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField(
        help_text="The office API takes the document's file as the form field document_<id>."
    )
    name_fa = serializers.CharField()
    name_en = serializers.CharField()
    is_mandatory = serializers.BooleanField()


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label_fa = serializers.CharField(required=False)
    label_en = serializers.CharField(required=False)


class FormFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    label_fa = serializers.CharField()
    label_en = serializers.CharField()
    help_fa = serializers.CharField()
    help_en = serializers.CharField()
    is_required = serializers.BooleanField()
    choices = ChoiceSerializer(many=True)
    max_length = serializers.IntegerField(allow_null=True)
    min_value = serializers.IntegerField(allow_null=True)
    max_value = serializers.IntegerField(allow_null=True)


class ServiceDetailSerializer(ServiceSerializer):
    description_fa = serializers.CharField()
    description_en = serializers.CharField()
    documents = DocumentSerializer(many=True, source="documents.all")
    fields = FormFieldSerializer(many=True, source="fields.all")


class FeesOnSerializer(serializers.Serializer):
    on = serializers.DateField(
        required=False, help_text="The fees in force on this day (ISO, Gregorian); today if absent."
    )

    def validate_on(self, value: dt.date) -> dt.date:
        # 1404-01-01 parses as a Gregorian date too: a Jalali date given by mistake would
        # quietly answer "no fees in force" for the fourteenth century.
        if not FIRST_FEE_YEAR <= value.year <= LAST_FEE_YEAR:
            raise serializers.ValidationError(
                _("Give the day in the Gregorian calendar, e.g. %(example)s.")
                % {"example": "2026-03-21"}
            )
        return value


# --- tracking ---------------------------------------------------------------------------------


class TrackQuerySerializer(serializers.Serializer):
    default_error_messages = {
        "invalid": _("Send an object with the fields tracking_code and national_code.")
    }

    tracking_code = serializers.CharField(
        max_length=40, help_text="12 digits (Persian or Latin; spaces and dashes are ignored)."
    )
    national_code = serializers.CharField(
        max_length=20, help_text="The national code of the citizen the request is for."
    )


class TrackStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    state = serializers.CharField()
    state_label = serializers.CharField()


class TrackAnswerSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    service_name = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    sla_due_on = serializers.DateField()
    timeline = TrackStepSerializer(many=True)


# --- verification -----------------------------------------------------------------------------

SIGNATURE_HELP = (
    "Whether the QR code's signed token (the query parameter s) holds: valid, mismatch (signed "
    "by Pishkhan but for other data), invalid, or absent (no token given)."
)


class ReceiptLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    charged_rials = serializers.IntegerField()
    official_rials = serializers.IntegerField(
        allow_null=True, help_text="Null where the agency assesses the amount per case."
    )
    official_is_cap = serializers.BooleanField()
    excess_rials = serializers.IntegerField(help_text="Charged above the official figure.")


class OfficeRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    licence_number = serializers.CharField()


class ReceiptVerificationSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="receipt")
    verification_code = serializers.CharField()
    signature = serializers.CharField(help_text=SIGNATURE_HELP)
    tracking_code = serializers.CharField()
    service = serializers.CharField(source="service_code")
    service_name_fa = serializers.CharField()
    service_name_en = serializers.CharField()
    office = OfficeRefSerializer(allow_null=True, help_text="Null for an online request.")
    submitted_at = serializers.DateTimeField()
    payment_status = serializers.CharField()
    paid_at = serializers.DateTimeField(allow_null=True)
    refunded_rials = serializers.IntegerField()
    fees_on = serializers.DateField(help_text="The day whose official figures apply.")
    vat_percent = serializers.IntegerField()
    lines = ReceiptLineSerializer(many=True)
    total_charged_rials = serializers.IntegerField()
    official_total_rials = serializers.IntegerField()
    is_overcharged = serializers.BooleanField()
    excess_rials = serializers.IntegerField()


class CertifiedYearSerializer(serializers.Serializer):
    year = serializers.CharField()
    field_of_study = serializers.CharField()


class CertifiedSerializer(serializers.Serializer):
    """What a certificate certifies, exactly what its public page shows."""

    level = serializers.CharField(required=False, help_text="Academic: the level certified.")
    years = CertifiedYearSerializer(many=True, required=False)
    gpa = serializers.CharField(required=False, help_text="Academic: average GPA, if recorded.")
    diploma_number = serializers.CharField(required=False)
    diploma_date = serializers.CharField(required=False, help_text="ISO date, or empty.")
    post = serializers.CharField(required=False, help_text="Employment: the teacher's post.")
    employed_on = serializers.CharField(required=False, help_text="Employment: ISO date.")


class CertificateVerificationSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="certificate")
    verification_code = serializers.CharField()
    signature = serializers.CharField(help_text=SIGNATURE_HELP)
    certificate_kind = serializers.CharField(help_text="academic or employment")
    status = serializers.CharField(help_text="valid or revoked (read live)")
    revoked_at = serializers.DateTimeField(allow_null=True)
    holder_name = serializers.CharField()
    masked_national_code = serializers.CharField()
    agency = AgencyRefSerializer()
    certified = CertifiedSerializer()
    recipient = serializers.CharField()
    issued_at = serializers.DateTimeField()


def certified(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The public part of a certificate's data (never the birth date, school or personnel
    code, which the page does not show either)."""
    if kind == "academic":
        return {
            "level": data.get("level", ""),
            "years": [
                {"year": str(row.get("year", "")), "field_of_study": row.get("field_of_study", "")}
                for row in data.get("records", [])
            ],
            "gpa": data.get("gpa", ""),
            "diploma_number": data.get("diploma_number", ""),
            "diploma_date": data.get("diploma_date", ""),
        }
    return {"post": data.get("post", ""), "employed_on": data.get("employed_on", "")}


# --- the agency API ---------------------------------------------------------------------------


class ServiceRefSerializer(CodeAndNamesSerializer):
    """A service, by its code and names."""


class QueueQuerySerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[], required=False)
    service = serializers.RegexField(SLUG_PATTERN, required=False, max_length=80)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from pishkhan.cases.views.agency import FILTERABLE

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = FILTERABLE


class QueueRowSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    service = ServiceRefSerializer()
    state = serializers.CharField()
    state_label = serializers.CharField()
    version = serializers.IntegerField(help_text="Send it back with a step (optimistic check).")
    submitted_at = serializers.DateTimeField()
    sla_due_on = serializers.DateField()
    sla = serializers.CharField(help_text="on_time, due_soon, breached or done")
    office = OfficeRefSerializer(allow_null=True, help_text="Null for an online request.")


class CitizenRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    national_code = serializers.CharField()


class FormRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class DocumentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.CharField()
    actor_name = serializers.CharField()
    actor_role = serializers.CharField()
    comment = serializers.CharField()


class StepSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    comment_required = serializers.BooleanField()


class AgencyRequestSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    service = ServiceRefSerializer()
    citizen = CitizenRefSerializer()
    channel = serializers.ChoiceField(choices=Channel.choices)
    office = OfficeRefSerializer(allow_null=True)
    province = serializers.CharField(help_text="The province's SCI code.")
    state = serializers.CharField()
    state_label = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    sla_due_on = serializers.DateField()
    sla = serializers.CharField()
    form = FormRowSerializer(many=True, help_text="The form as people read it, in order.")
    form_data = serializers.DictField(help_text="The form's values by field key, as stored.")
    documents = DocumentRefSerializer(many=True)
    timeline = TimelineEntrySerializer(many=True)
    actions = StepSerializer(many=True, help_text="The steps this client may take now.")


class ActionSerializer(serializers.Serializer):
    default_error_messages = {
        "invalid": _("Send an object with the fields action, comment and version.")
    }

    action = serializers.CharField(max_length=40)
    comment = serializers.CharField(max_length=2000, allow_blank=True, default="")
    version = serializers.IntegerField(
        min_value=0, help_text="The request's version the step was decided on."
    )


# --- the agency client's webhook ---------------------------------------------------------------


class WebhookDeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event = serializers.CharField()
    tracking_code = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=["pending", "sent", "failed"])
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class WebhookStatusSerializer(serializers.Serializer):
    url = serializers.URLField()
    is_active = serializers.BooleanField()
    pending = serializers.IntegerField()
    failed = serializers.IntegerField()
    recent = WebhookDeliverySerializer(many=True)


# --- the office API ----------------------------------------------------------------------------


class OfficeFilingSerializer(serializers.Serializer):
    """For the schema: the form body's fixed fields. The service's own fields (``field_<key>``)
    and documents (``document_<id>``) come beside them."""

    service = serializers.SlugField(max_length=80)
    national_code = serializers.CharField(max_length=10)
    mobile = serializers.CharField(max_length=13)
    idempotency_key = serializers.CharField(max_length=64)


class ChargedLineSerializer(serializers.Serializer):
    """A fee line as charged on the request (government fee, office fee, VAT on it)."""

    code = serializers.CharField()
    label_fa = serializers.CharField()
    label_en = serializers.CharField()
    amount = serializers.IntegerField(help_text="Rials")


class InvoiceSummarySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["unpaid", "paid", "partly_refunded", "refunded", "void"]
    )
    total_rials = serializers.IntegerField()
    paid_rials = serializers.IntegerField()
    paid_at = serializers.DateTimeField(allow_null=True)
    verification_code = serializers.CharField()
    verify_url = serializers.URLField()


class OfficeRequestSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    service = CodeAndNamesSerializer()
    state = serializers.CharField()
    state_label = serializers.CharField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    fee_lines = ChargedLineSerializer(many=True)
    fee_total_rials = serializers.IntegerField()
    invoice = InvoiceSummarySerializer(allow_null=True)
    page_url = serializers.URLField()
    receipt_url = serializers.URLField()


class CounterPaymentSerializer(serializers.Serializer):
    method = serializers.ChoiceField(choices=["cash", "pos"])
    amount_rials = serializers.IntegerField(min_value=1, max_value=10**15)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
