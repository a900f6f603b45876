"""Forms of the request journeys. The service's own form is built from its declared fields."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from pishkhan.catalog.models import FieldKind, FormField, RequiredDocument, Service
from pishkhan.core.files import UploadRejected, check_upload
from pishkhan.core.forms import (
    DigitsInput,
    JalaliDateField,
    MobileField,
    NationalCodeField,
    NormalizingForm,
    PostalCodeField,
)
from pishkhan.core.i18n import active_language
from pishkhan.core.identifiers import is_valid_tracking_code
from pishkhan.core.text import digits_for_language, to_persian_digits

_UPLOAD_MESSAGES = {
    "too_large": _("The file is larger than %(mb)s MB."),
    "empty": _("The file is empty."),
    "mismatch": _("The file's content does not match its name (for example, a PNG named .pdf)."),
    "type": _("Only PDF, JPEG and PNG files are accepted."),
    "damaged": _("This image cannot be opened: it is damaged, or not really a JPEG or PNG."),
}


def max_upload_bytes() -> int:
    return int(getattr(settings, "PISHKHAN_MAX_UPLOAD_MB", 5)) * 1024 * 1024


class DocumentField(forms.FileField):
    """A PDF, JPEG or PNG recognised by content, at most PISHKHAN_MAX_UPLOAD_MB."""

    # data-choose and data-none are the words of the face static/js/pishkhan.js puts on the input:
    # a browser names its file button in its own language ("Choose File"), not the page's.
    widget = forms.ClearableFileInput(
        attrs={
            "accept": ".pdf,.jpg,.jpeg,.png",
            "data-choose": _("Choose a file"),
            "data-none": _("No file chosen"),
        }
    )

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload:
            limit = max_upload_bytes()
            try:
                upload.checked = check_upload(upload, upload.name, upload.size, limit)
            except UploadRejected as exc:
                raise ValidationError(
                    _UPLOAD_MESSAGES[exc.code], code=exc.code, params={"mb": limit // 1048576}
                ) from exc
        return upload


def _label(obj: Any, attribute: str) -> str:
    english = getattr(obj, f"{attribute}_en", "")
    if active_language() == "en" and english:
        return str(english)
    return to_persian_digits(getattr(obj, f"{attribute}_fa"))


def _bounds(low: int | None, high: int | None) -> list[Any]:
    """A declared number's limits, said with the figure in the UI's digits (Django's own
    messages show it in Latin digits)."""

    def check(value: int) -> None:
        shown = {
            "low": digits_for_language(low, active_language()),
            "high": digits_for_language(high, active_language()),
        }
        if low is not None and high is not None and not low <= value <= high:
            raise ValidationError(
                _("Enter a number from %(low)s to %(high)s.") % shown, code="range"
            )
        if low is not None and value < low:
            raise ValidationError(_("Enter %(low)s or more.") % shown, code="min_value")
        if high is not None and value > high:
            raise ValidationError(_("Enter %(high)s or less.") % shown, code="max_value")

    return [check] if low is not None or high is not None else []


def field_for(spec: FormField) -> forms.Field:
    """One Django form field for one declared field of a service's form."""
    common: dict[str, Any] = {
        "label": _label(spec, "label"),
        "required": spec.is_required,
        "help_text": _label(spec, "help") if spec.help_fa else "",
    }
    if spec.kind == FieldKind.TEXT:
        return forms.CharField(max_length=spec.max_length or 500, **common)
    if spec.kind == FieldKind.NUMBER:
        return forms.IntegerField(
            validators=_bounds(spec.min_value, spec.max_value), widget=DigitsInput, **common
        )
    if spec.kind == FieldKind.JALALI_DATE:
        return JalaliDateField(**common)
    if spec.kind == FieldKind.CHOICE:
        choices = [(c["value"], _label_choice(c)) for c in spec.choices]
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if spec.kind == FieldKind.NATIONAL_CODE:
        return NationalCodeField(**common)
    if spec.kind == FieldKind.MOBILE:
        return MobileField(**common)
    if spec.kind == FieldKind.POSTAL_CODE:
        return PostalCodeField(**common)
    if spec.kind == FieldKind.FILE:
        return DocumentField(**common)
    raise ValueError(f"unknown field kind {spec.kind}")


def _label_choice(choice: dict[str, str]) -> str:
    if active_language() == "en" and choice.get("label_en"):
        return choice["label_en"]
    return to_persian_digits(choice.get("label_fa", choice["value"]))


def _service_fields(
    service: Service,
    specs: list[FormField],
    documents: list[RequiredDocument],
    documents_optional: bool,
) -> dict[str, forms.Field]:
    """The form fields of the service's declared fields and documents (``specs`` and
    ``documents``, as the form read them), in the active language.

    They are built once per kept service (``catalog.filing`` keeps one per process until the
    catalogue changes) and copied for each form: building them — labels, choices, validators —
    was a tenth of a counter submission's Python.
    """
    key = (active_language(), documents_optional)
    kept: dict[tuple[str, bool], dict[str, forms.Field]] = service.__dict__.setdefault(
        "_request_form_fields", {}
    )
    fields = kept.get(key)
    if fields is None:
        fields = {f"field_{spec.key}": field_for(spec) for spec in specs}
        for document in documents:
            # When answering "more information needed", documents already given stay; new ones
            # are added.
            fields[f"document_{document.pk}"] = DocumentField(
                label=_label(document, "name"),
                required=document.is_mandatory and not documents_optional,
            )
        kept[key] = fields
    return fields


class ServiceRequestForm(NormalizingForm):
    """The service's declared fields (``field_<key>``) and its documents (``document_<id>``)."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self, service: Service, *args: Any, documents_optional: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.service = service
        self.field_specs = list(service.fields.all())
        self.documents = list(service.documents.all())
        fields = _service_fields(service, self.field_specs, self.documents, documents_optional)
        for name, field in fields.items():
            # Each form changes its own fields (errors, widget attributes), as Django's own
            # forms do with their declared ones.
            self.fields[name] = copy.deepcopy(field)

    def form_values(self) -> dict[str, Any]:
        """The declared fields' values as typed (normalised); ``submit`` cleans them by the
        same schema, whoever calls it."""
        values: dict[str, Any] = {}
        for spec in self.field_specs:
            value = self.data.get(f"field_{spec.key}")
            if spec.kind != FieldKind.FILE and value not in (None, ""):
                values[spec.key] = value
        return values

    def uploads(self) -> list[tuple[Any, Any]]:
        """(RequiredDocument or None, uploaded file) for every file given."""
        files = []
        for document in self.documents:
            upload = self.cleaned_data.get(f"document_{document.pk}")
            if upload:
                files.append((document, upload))
        for spec in self.field_specs:
            upload = (
                self.cleaned_data.get(f"field_{spec.key}") if spec.kind == FieldKind.FILE else None
            )
            if upload:
                files.append((None, upload))
        return files


class IdentifyCitizenForm(NormalizingForm):
    """A citizen's national code and mobile, as the counter's operator types them: someone
    else's, so the browser offers no autofill (``_IdentifierField``)."""

    national_code = NationalCodeField(label=_("National code"))
    mobile = MobileField(label=_("Mobile number"))


class PortalSignInForm(IdentifyCitizenForm):
    """The portal's sign-in, where citizens type their own mobile: the browser may fill it in
    (WCAG 1.3.5)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mobile"].widget.attrs["autocomplete"] = "tel-national"


class TrackForm(NormalizingForm):
    tracking_code = forms.CharField(label=_("Tracking code"), max_length=20)
    national_code = NationalCodeField(label=_("National code"))

    def clean_tracking_code(self) -> str:
        return clean_tracking_code(self.cleaned_data["tracking_code"])


def clean_tracking_code(text: str) -> str:
    """A tracking code as typed (normalized digits; spaces and dashes allowed between groups) as
    its 12 digits, or a ValidationError saying what is wrong with it. Shared by ``TrackForm``
    and the tracking look-up's fast path (cases.views.public)."""
    code = "".join(text.split()).replace("-", "")
    if not (code.isdigit() and code.isascii() and len(code) == 12):
        raise ValidationError(_("A tracking code has 12 digits."), code="length")
    if not is_valid_tracking_code(code):
        raise ValidationError(
            _(
                "This tracking code has a typo: its last digit does not match. "
                "Check it on your receipt."
            ),
            code="checksum",
        )
    return code


class CitizenCodeForm(NormalizingForm):
    code = forms.CharField(
        label=_("The 6-digit code sent to your mobile"),
        max_length=6,
        min_length=6,
        widget=DigitsInput(attrs={"autocomplete": "one-time-code"}),
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"]
        if not code.isdigit():
            raise ValidationError(_("The code has 6 digits."), code="digits")
        return code


class TransitionForm(NormalizingForm):
    action = forms.CharField(max_length=40)
    comment = forms.CharField(
        label=_("Message or reason (needed to ask for information or to reject)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    version = forms.IntegerField(min_value=1)


DATE_HINT = _("Year/month/day, for example 1405/09/10.")


class QueueDatesForm(NormalizingForm):
    """The agency queue's filing-date filter, named ``from`` and ``to`` in its address. A form so
    that a wrong date is that input's own error (marked, described, summarised; decision 55)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        self.fields["from"] = JalaliDateField(
            label=_("Filed from"), required=False, help_text=DATE_HINT
        )
        self.fields["to"] = JalaliDateField(
            label=_("Filed to"), required=False, help_text=DATE_HINT
        )
