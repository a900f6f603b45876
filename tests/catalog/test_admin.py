"""Agencies manage their own services and fees in the (Persian) admin, and nothing else."""

import datetime as dt

import pytest
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.catalog.models import Fee, FeeKind, Service
from pishkhan.core.jalali import format_jalali_numeric

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency_admin(client):
    user = User.objects.get(username="agencyadmin-nocr")
    client.force_login(user)
    return user


def test_admin_is_persian(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/admin/").content.decode()
    assert 'dir="rtl"' in html and "مدیریت سامانه پیشخوان" in html


def test_agency_admin_sees_only_own_services(client, agency_admin):
    html = client.get("/admin/catalog/service/").content.decode()
    assert "شناسنامه المثنی" in html
    assert "انشعاب آب" not in html
    own = Service.objects.get(code="nocr-birth-certificate-duplicate")
    other = Service.objects.get(code="abfa-water-connection")
    assert client.get(f"/admin/catalog/service/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/catalog/service/{other.pk}/change/").status_code in (302, 404)
    other_fee = Fee.objects.filter(service=other).first()
    assert client.get(f"/admin/catalog/fee/{other_fee.pk}/change/").status_code in (302, 404)


def test_agency_admin_schedules_a_new_fee_from_a_future_date(client, agency_admin):
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    start = timezone.localdate() + dt.timedelta(days=20)
    response = client.post(
        "/admin/catalog/fee/add/",
        {
            "service": service.pk,
            "kind": FeeKind.GOVERNMENT,
            "amount_rials": "350000",
            "effective_from": format_jalali_numeric(start),
            "source": "Budget Law",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Fee.objects.filter(service=service, effective_from=start, amount_rials=350000).exists()


def test_a_fee_cannot_be_backdated_or_put_on_another_agency(client, agency_admin):
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    other = Service.objects.get(code="abfa-water-connection")
    count = Fee.objects.count()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        "/admin/catalog/fee/add/",
        {
            "service": service.pk,
            "kind": FeeKind.GOVERNMENT,
            "amount_rials": "1",
            "effective_from": format_jalali_numeric(yesterday),
        },
    )
    assert response.status_code == 200
    assert "تغییر تعرفه فقط از امروز یا تاریخی پس از آن اعمال می‌شود." in response.content.decode()
    response = client.post(
        "/admin/catalog/fee/add/",
        {
            "service": other.pk,
            "kind": FeeKind.GOVERNMENT,
            "amount_rials": "1",
            "effective_from": format_jalali_numeric(timezone.localdate() + dt.timedelta(days=5)),
        },
    )
    assert response.status_code == 200
    assert Fee.objects.count() == count


def test_a_fee_in_force_is_read_only(client, agency_admin):
    fee = Fee.objects.filter(
        service__code="nocr-birth-certificate-duplicate", kind=FeeKind.GOVERNMENT
    ).first()
    response = client.post(
        f"/admin/catalog/fee/{fee.pk}/change/",
        {
            "service": fee.service_id,
            "kind": fee.kind,
            "amount_rials": "1",
            "effective_from": "2020-01-01",
        },
    )
    assert response.status_code in (302, 403)
    fee.refresh_from_db()
    assert fee.amount_rials == 300_000
    assert client.post(f"/admin/catalog/fee/{fee.pk}/delete/", {"post": "yes"}).status_code in (
        302,
        403,
    )
    assert Fee.objects.filter(pk=fee.pk).exists()


def test_admin_form_input_is_normalised(rf, agency_admin):
    from django.contrib.admin.sites import site

    service = Service.objects.get(code="nocr-single-status-certificate")
    request = rf.post("/")
    request.user = agency_admin
    model_admin = site._registry[Service]
    form_class = model_admin.get_form(request, service, change=True)
    data = {name: getattr(service, name) for name in form_class.base_fields}
    data.update(
        {"agency": service.agency_id, "name_fa": " صدور گواهي تجرد ", "sla_working_days": "۷"}
    )
    form = form_class(data=data, instance=service)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name_fa"] == "صدور گواهی تجرد"
    assert form.cleaned_data["sla_working_days"] == 7


def _form_of(html: str) -> dict[str, str]:
    """The change form's fields as the page fills them (enough to send it back)."""
    import re

    form = re.search(r'<form[^>]*id="service_form".*?</form>', html, re.S).group(0)
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and "checkbox" not in tag:
            fields[name.group(1)] = value.group(1) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    for name, text in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S):
        fields[name] = text.strip()
    return fields


@pytest.mark.parametrize("change", ["another_services_fee", "one_row_more"])
def test_the_fee_history_sent_back_wrong_is_refused_not_a_server_error(
    client, agency_admin, change
):
    """The service page's fee history is read-only; a form sent back with another service's fee
    row in it, or with a row more than it had, is shown again with its error (never a 500),
    and no fee changes."""
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    url = f"/admin/catalog/service/{service.pk}/change/"
    data = _form_of(client.get(url).content.decode())
    assert data["fees-INITIAL_FORMS"] != "0"
    if change == "another_services_fee":
        other = Fee.objects.filter(service__code="abfa-water-connection").first()
        data["fees-0-id"] = str(other.pk)
    else:
        data["fees-TOTAL_FORMS"] = str(int(data["fees-TOTAL_FORMS"]) + 1)
    before = list(Fee.objects.values().order_by("pk"))
    answer = client.post(url, data)
    assert answer.status_code == 200
    assert "errornote" in answer.content.decode()
    assert list(Fee.objects.values().order_by("pk")) == before
