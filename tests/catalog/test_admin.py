"""Agencies manage their own services and fees in the (Persian) admin, and nothing else."""

import datetime as dt
import re

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


# Office-fee caps are the regulator's (decision 66): an agency's administrator sets its services'
# government fee only.
CAP_REFUSED = (
    "سقف کارمزد دفاتر را سازمان تنظیم مقررات تعیین می‌کند، نه دستگاه‌ها. "
    "شما تعرفه دولتی خدمت خود را تعیین می‌کنید."
)


def test_an_agency_admin_is_not_offered_the_cap_kind(client, agency_admin):
    html = client.get("/admin/catalog/fee/add/").content.decode()
    kinds = re.search(r'<select[^>]*name="kind"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert 'value="government"' in kinds
    assert 'value="office_cap"' not in kinds


def test_the_national_admin_is_offered_every_kind(client, admin_user):
    client.force_login(User.objects.get(username="admin"))
    html = client.get("/admin/catalog/fee/add/").content.decode()
    kinds = re.search(r'<select[^>]*name="kind"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert 'value="government"' in kinds and 'value="office_cap"' in kinds


def test_a_crafted_cap_from_an_agency_admin_is_refused_in_words_and_nothing_saved(
    client, agency_admin
):
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    start = timezone.localdate() + dt.timedelta(days=20)
    before = Fee.objects.count()
    response = client.post(
        "/admin/catalog/fee/add/",
        {
            "service": service.pk,
            "kind": FeeKind.OFFICE_CAP,
            "amount_rials": "9000000",
            "effective_from": format_jalali_numeric(start),
            "source": "agency",
        },
    )
    assert response.status_code == 200
    assert CAP_REFUSED in response.content.decode()
    assert Fee.objects.count() == before


def test_the_national_admin_still_schedules_a_cap_in_the_admin(client):
    client.force_login(User.objects.get(username="admin"))
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    start = timezone.localdate() + dt.timedelta(days=20)
    response = client.post(
        "/admin/catalog/fee/add/",
        {
            "service": service.pk,
            "kind": FeeKind.OFFICE_CAP,
            "amount_rials": "500000",
            "effective_from": format_jalali_numeric(start),
            "source": "CRA",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Fee.objects.filter(
        service=service, kind=FeeKind.OFFICE_CAP, effective_from=start, amount_rials=500_000
    ).exists()


def test_a_scheduled_cap_is_read_only_for_an_agency_admin(client, agency_admin):
    from pishkhan.catalog.services import set_fee

    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    start = timezone.localdate() + dt.timedelta(days=20)
    cap = set_fee(service, FeeKind.OFFICE_CAP, 500_000, start, source="CRA")
    page = client.get(f"/admin/catalog/fee/{cap.pk}/change/")
    assert page.status_code == 200  # read, as its agency's own service's
    assert 'name="amount_rials"' not in page.content.decode()
    response = client.post(
        f"/admin/catalog/fee/{cap.pk}/change/",
        {
            "service": service.pk,
            "kind": FeeKind.OFFICE_CAP,
            "amount_rials": "9000000",
            "effective_from": format_jalali_numeric(start),
        },
    )
    assert response.status_code == 403
    assert client.post(f"/admin/catalog/fee/{cap.pk}/delete/", {"post": "yes"}).status_code == 403
    cap.refresh_from_db()
    assert cap.amount_rials == 500_000
