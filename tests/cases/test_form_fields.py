"""A service's declared number field: its limits are said in Persian digits, as every figure."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from pishkhan.cases.forms import field_for
from pishkhan.catalog.models import FieldKind, FormField


def bounded(low, high):
    return field_for(
        FormField(key="year", kind=FieldKind.NUMBER, label_fa="سال", min_value=low, max_value=high)
    )


@pytest.mark.parametrize(
    ("low", "high", "typed", "said"),
    [
        (1300, 1410, 1499, "عددی از ۱۳۰۰ تا ۱۴۱۰ بنویسید."),
        (1300, None, 12, "۱۳۰۰ یا بیشتر بنویسید."),
        (None, 1410, 1499, "۱۴۱۰ یا کمتر بنویسید."),
    ],
)
def test_a_number_out_of_its_limits_is_refused_in_persian_digits(low, high, typed, said):
    field = bounded(low, high)
    with translation.override("fa"), pytest.raises(ValidationError) as refused:
        field.clean(str(typed))
    message = " ".join(refused.value.messages)
    assert message == said and not re.search(r"[0-9]", message)
    assert bounded(low, high).clean("1400") == 1400


@pytest.mark.django_db
def test_a_form_reads_a_services_fields_and_documents_once(django_assert_num_queries):
    from pishkhan.cases.forms import ServiceRequestForm
    from pishkhan.catalog.models import Service

    service = Service.objects.get(code="nocr-single-status-certificate")  # nothing prefetched
    with django_assert_num_queries(2):
        form = ServiceRequestForm(service)
    assert form.field_specs and form.documents


@pytest.mark.django_db
def test_a_services_fields_are_built_once_and_each_form_gets_its_own(monkeypatch):
    """The fields of a kept service's form are built once per language (cases.forms
    ._service_fields) and copied for each form, so one form's errors or attributes never reach
    another's."""
    from pishkhan.cases import forms as case_forms
    from pishkhan.cases.forms import ServiceRequestForm
    from pishkhan.catalog.models import Service

    service = Service.objects.prefetch_related("fields", "documents").get(
        code="nocr-single-status-certificate"
    )
    built = []
    real = case_forms.field_for
    monkeypatch.setattr(case_forms, "field_for", lambda spec: built.append(spec.key) or real(spec))
    with translation.override("fa"):
        first, second = ServiceRequestForm(service), ServiceRequestForm(service)
    assert sorted(built) == sorted(spec.key for spec in service.fields.all())
    names = [n for n in first.fields if n.startswith(("field_", "document_"))]
    assert any(n.startswith("document_") for n in names)
    assert any(isinstance(first.fields[n], case_forms.forms.ChoiceField) for n in names)
    for name in names:
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].widget is not second.fields[name].widget
    first.fields[names[0]].widget.attrs["aria-invalid"] = "true"
    assert "aria-invalid" not in second.fields[names[0]].widget.attrs
    assert ServiceRequestForm(service).fields[names[0]].widget.attrs.get("aria-invalid") is None

    purpose = next(s for s in service.fields.all() if s.kind == FieldKind.CHOICE)
    with translation.override("en"):
        english = ServiceRequestForm(service)
    assert english.fields[f"field_{purpose.key}"].label == purpose.label_en
    assert first.fields[f"field_{purpose.key}"].label == purpose.label_fa
    # "More information needed": documents already given stay, so new ones are optional.
    answer = ServiceRequestForm(service, documents_optional=True)
    assert not any(answer.fields[n].required for n in names if n.startswith("document_"))
    assert any(first.fields[n].required for n in names if n.startswith("document_"))
