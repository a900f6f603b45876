"""The office manager's page: operators, services and fees."""

import re

import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse

from pishkhan.accounts.models import IdentityRecord, User
from pishkhan.catalog.models import Fee, FeeKind, Service
from pishkhan.core.audit import events_for
from pishkhan.core.demo import demo_national_code
from pishkhan.core.text import to_persian_digits
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices import services
from pishkhan.offices.models import Office, OfficeService

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    user = User.objects.get(username="manager-1001")
    client.force_login(user)
    return user


def test_manager_adds_an_operator_who_gets_a_password_link(client, manager, settings):
    registered("0499370899", "09125550000", first_name="سمیه", last_name="نادری")
    response = client.post(
        reverse("offices:manage"),
        {
            "do": "add_operator",
            "op-first_name": "سمیه",
            "op-last_name": "نادری",
            "op-national_code": "0499370899",
            "op-mobile": "۰۹۱۲۵۵۵۰۰۰۰",
        },
    )
    assert response.status_code == 302
    operator = User.objects.get(national_code="0499370899", role="office_operator")
    assert operator.office == manager.office and not operator.has_usable_password()
    sms = OutboxMessage.objects.filter(recipient="09125550000").latest("id").body
    assert operator.username in sms
    # A text message carries the whole address (PISHKHAN_SITE_URL), not a bare path.
    assert f"{settings.PISHKHAN_SITE_URL}/accounts/set-password/" in sms


def test_bad_operator_input_saves_nothing(client, manager):
    count = User.objects.count()
    response = client.post(
        reverse("offices:manage"),
        {
            "do": "add_operator",
            "op-first_name": "x",
            "op-last_name": "y",
            "op-national_code": "1234567890",
            "op-mobile": "0912",
        },
    )
    assert response.status_code == 200 and User.objects.count() == count
    assert "کد ملی معتبر نیست" in response.content.decode()


def test_fees_within_the_cap_and_offerings(client, manager):
    office = manager.office
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    cap = (
        Fee.objects.filter(service=service, kind=FeeKind.OFFICE_CAP)
        .latest("effective_from")
        .amount_rials
    )
    url = reverse("offices:manage")
    client.post(url, {"do": "set_fee", "service": service.pk, "fee": "۳۰۰٬۰۰۰"})
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == 300_000
    response = client.post(
        url, {"do": "set_fee", "service": service.pk, "fee": str(cap + 1)}, follow=True
    )
    assert "سقف" in response.content.decode()
    assert OfficeService.objects.get(office=office, service=service).office_fee_rials == 300_000
    response = client.post(url, {"do": "set_fee", "service": service.pk, "fee": "abc"}, follow=True)
    assert "عدد صحیح" in response.content.decode()
    client.post(url, {"do": "remove", "service": service.pk})
    assert not OfficeService.objects.filter(office=office, service=service).exists()


def test_rank_share_is_shown_and_enforced(client, manager):
    office = manager.office
    Office.objects.filter(pk=office.pk).update(rank=3)
    service = Service.objects.get(code="gas-meter-test")
    OfficeService.objects.filter(office=office, service=service).delete()
    response = client.post(
        reverse("offices:manage"), {"do": "set_fee", "service": service.pk, "fee": "0"}, follow=True
    )
    assert "رتبه" in response.content.decode()
    assert not OfficeService.objects.filter(office=office, service=service).exists()


def test_only_the_manager_opens_it(client, settings):
    settings.PISHKHAN_STAFF_OTP = False
    client.force_login(User.objects.get(username="operator-1001"))
    assert client.get(reverse("offices:manage")).status_code == 404


# A licence that is not active freezes the office's staff and services (decision 47).


def registered(national_code, mobile, first_name="سمیه", last_name="نادری"):
    """A person the identity registry knows: a new operator must be one."""
    IdentityRecord.objects.get_or_create(
        national_code=national_code,
        defaults={"mobile": mobile, "first_name": first_name, "last_name": last_name},
    )
    return national_code


def add_operator_data(national_code, mobile="09125550002"):
    registered(national_code, mobile)
    return {
        "do": "add_operator",
        "op-first_name": "علي",
        "op-last_name": "كريمي",
        "op-national_code": national_code,
        "op-mobile": mobile,
    }


@pytest.mark.parametrize("status", ["suspended", "revoked", "expired"])
def test_an_office_whose_licence_is_not_active_adds_no_staff_and_changes_no_fee(
    client, manager, status
):
    office = manager.office
    Office.objects.filter(pk=office.pk).update(status=status)
    url = reverse("offices:manage")
    page = client.get(url).content.decode()
    assert "office-frozen" in page and 'value="add_operator"' not in page
    assert 'name="fee"' not in page and 'value="deactivate"' in page

    users, sms = User.objects.count(), OutboxMessage.objects.count()
    response = client.post(url, add_operator_data(demo_national_code(990_001)))
    assert response.status_code == 200
    assert "نمی‌توان کارکنان یا خدمات" in response.content.decode()
    assert User.objects.count() == users and OutboxMessage.objects.count() == sms

    offering = OfficeService.objects.filter(office=office).select_related("service").first()
    before = offering.office_fee_rials
    response = client.post(url, {"do": "set_fee", "service": offering.service_id, "fee": "0"})
    assert "نمی‌توان کارکنان یا خدمات" in response.content.decode()
    client.post(url, {"do": "remove", "service": offering.service_id})
    offering.refresh_from_db()
    assert offering.office_fee_rials == before

    # The rule is the service's, whoever calls it (the page, the admin, a command).
    office.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.add_operator(
            office,
            first_name="a",
            last_name="b",
            national_code=demo_national_code(990_002),
            mobile="09125550003",
        )
    assert refused.value.code == "office_inactive"
    with pytest.raises(ValidationError):
        services.set_office_fee(office, offering.service, 0)

    # Deactivating an operator stays possible; re-activating does not.
    operator = User.objects.get(username="operator-1001")
    client.post(url, {"do": "deactivate", "operator": operator.pk})
    operator.refresh_from_db()
    assert not operator.is_active
    response = client.post(url, {"do": "reactivate", "operator": operator.pk})
    operator.refresh_from_db()
    assert not operator.is_active and "نمی‌توان کارکنان" in response.content.decode()


def test_the_licence_status_is_read_afresh_not_from_the_callers_copy(manager):
    office = manager.office  # read while active
    Office.objects.filter(pk=office.pk).update(status="revoked")
    with pytest.raises(ValidationError):
        services.set_office_fee(office, office.offerings.first().service, 0)


# One person, one staff account; the manager deactivates an operator who leaves.


def test_a_national_code_that_has_a_staff_account_is_refused(client, manager):
    url = reverse("offices:manage")
    code = demo_national_code(990_003)
    assert client.post(url, add_operator_data(code)).status_code == 302
    first = User.objects.get(national_code=code, role="office_operator")
    count = User.objects.count()
    response = client.post(url, add_operator_data("۹۹۹" + to_persian_digits(code[3:])))
    html = response.content.decode()
    assert response.status_code == 200 and User.objects.count() == count
    assert "این کد ملی در همین دفتر حساب کارکنان دارد" in html and first.username in html
    assert 'aria-invalid="true"' in html  # the national-code field is marked, the rest kept
    assert 'value="كريمي"' in html or 'value="کریمی"' in html

    # Deactivated, it is still this office's account for that person: re-activate it instead.
    services.set_operator_active(manager.office, first.pk, False, actor=manager)
    html = client.post(url, add_operator_data(code)).content.decode()
    assert "دوباره فعال کنید" in html and User.objects.count() == count

    # An active staff account at another office (a person has one staff account at a time).
    other = Office.objects.get(licence_number="23-1002")
    elsewhere = registered(demo_national_code(990_004), "09125550004")
    services.add_operator(
        other, first_name="a", last_name="b", national_code=elsewhere, mobile="09125550004"
    )
    html = client.post(url, add_operator_data(elsewhere)).content.decode()
    assert "در جای دیگری حساب فعال کارکنان دارد" in html
    assert User.objects.filter(national_code=elsewhere).count() == 1

    # A citizen's account is not a staff account: a citizen may become an operator.
    citizen = User.objects.get(username="9990000018")
    added = client.post(url, add_operator_data(citizen.national_code, citizen.mobile))
    assert added.status_code == 302
    assert User.objects.filter(national_code=citizen.national_code).count() == 2


def sign_in(user):
    return authenticate(
        RequestFactory().post("/"), username=user.username, password="Operator-password-2026!"
    )


def test_manager_deactivates_an_operator_who_then_cannot_sign_in(client, manager):
    operator = User.objects.get(username="operator-1001")
    operator.set_password("Operator-password-2026!")
    operator.save()
    their_browser = Client()
    their_browser.force_login(operator)
    assert their_browser.get(reverse("cases:office_home")).status_code == 200

    url = reverse("offices:manage")
    response = client.post(url, {"do": "deactivate", "operator": operator.pk}, follow=True)
    assert "غیرفعال شد" in response.content.decode()
    operator.refresh_from_db()
    assert not operator.is_active
    assert "staff-inactive" in response.content.decode()
    # Their open session ends, and they cannot sign in again.
    assert their_browser.get(reverse("cases:office_home")).status_code == 302
    assert (
        authenticate(
            RequestFactory().post("/"),
            username=operator.username,
            password="Operator-password-2026!",
        )
        is None
    )
    event = events_for("user", operator.pk).last()
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "deactivate",
        manager.pk,
        "active",
        "inactive",
    )

    client.post(url, {"do": "reactivate", "operator": operator.pk})
    operator.refresh_from_db()
    assert operator.is_active
    assert events_for("user", operator.pk).last().action == "reactivate"
    assert (
        authenticate(
            RequestFactory().post("/"),
            username=operator.username,
            password="Operator-password-2026!",
        )
        == operator
    )


def test_an_added_operator_is_recorded_in_the_audit_log(client, manager):
    client.post(reverse("offices:manage"), add_operator_data(demo_national_code(990_005)))
    operator = User.objects.get(national_code=demo_national_code(990_005))
    [event] = events_for("user", operator.pk)
    assert (event.action, event.actor_id, event.data["office"]) == ("create", manager.pk, "23-1001")


def test_manager_deactivates_only_their_own_offices_operators(client, manager):
    url = reverse("offices:manage")
    other_office = User.objects.get(username="operator-1002")
    for target in (other_office.pk, manager.pk, User.objects.get(username="9990000018").pk):
        assert client.post(url, {"do": "deactivate", "operator": target}).status_code == 404
    assert client.post(url, {"do": "deactivate", "operator": "x"}).status_code == 404
    assert (
        User.objects.get(pk=other_office.pk).is_active and User.objects.get(pk=manager.pk).is_active
    )


# A fee refused names its service, keeps what was typed in its row and marks it.


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("۲۵۰٬۰۰۰٬۰۰۰", "بیشتر از سقف"),
        ("1" * 23, "بیشتر از سقف"),
        ("-5", "منفی"),
        ("", "کارمزد دفتر را به ریال بنویسید"),
        ("abc", "عدد صحیح"),
        ("200000.5", "عدد صحیح"),
        ("1e5", "عدد صحیح"),
    ],
)
def test_a_refused_fee_names_its_service_and_keeps_what_was_typed(client, manager, typed, expected):
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    before = OfficeService.objects.get(office=manager.office, service=service).office_fee_rials
    response = client.post(
        reverse("offices:manage"), {"do": "set_fee", "service": service.pk, "fee": typed}
    )
    assert response.status_code == 200
    assert (
        OfficeService.objects.get(office=manager.office, service=service).office_fee_rials == before
    )
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith(f"{service.name_fa}: ") and expected in message
    assert not re.search(r"[0-9]", message), message  # Persian digits only
    html = response.content.decode()
    row = re.search(rf'<tr data-service="{service.code}".*?</tr>', html, re.S).group(0)
    field = re.search(r"<input[^>]*name=\"fee\"[^>]*>", row).group(0)
    assert "is-invalid" in field and 'aria-invalid="true"' in field
    assert f'value="{to_persian_digits(typed)}"' in field
    assert expected in row  # the reason, beside the field
    assert "9223372036854775807" not in html
    other = re.search(r'<tr data-service="gas-meter-test".*?</tr>', html, re.S).group(0)
    assert "is-invalid" not in other


def test_a_new_operator_is_who_the_identity_registry_says(client, manager):
    """Not anyone's national code with any name: the registry must confirm the national code and
    mobile as one person's, and the account takes the registry's name for them."""
    url = reverse("offices:manage")
    count = User.objects.count()
    stranger = demo_national_code(990_010)  # valid, but nobody the registry knows
    data = {
        "do": "add_operator",
        "op-first_name": "<b>هر</b>",
        "op-last_name": "نامی",
        "op-national_code": stranger,
        "op-mobile": "09125550010",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "سامانه هویت" in refused.content.decode()
    assert User.objects.count() == count
    # Someone else's national code with one's own mobile is refused the same way.
    citizen = User.objects.get(username="9990000018")
    data["op-national_code"] = citizen.national_code
    assert User.objects.count() == count and client.post(url, data).status_code == 200
    # The registry's pair: the account carries the registry's name, not the typed one.
    data["op-mobile"] = citizen.mobile
    assert client.post(url, data).status_code == 302
    operator = User.objects.get(national_code=citizen.national_code, role="office_operator")
    assert (operator.first_name, operator.last_name) == (citizen.first_name, citizen.last_name)


def test_a_minor_cannot_be_made_an_operator(client, manager):
    """The registry knows the person is 17: refused on the national code, in Persian digits,
    with what was typed kept and nothing saved (decision 53)."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    minor = demo_national_code(990_011)
    IdentityRecord.objects.create(
        national_code=minor,
        first_name="آرش",
        last_name="کمالی",
        mobile="09125550011",
        birth_date=today.replace(year=today.year - 17) - dt.timedelta(days=200),
    )
    count = User.objects.count()
    data = {
        "do": "add_operator",
        "op-first_name": "آرش",
        "op-last_name": "کمالی",
        "op-national_code": minor,
        "op-mobile": "09125550011",
    }
    refused = client.post(reverse("offices:manage"), data)
    page = refused.content.decode()
    assert refused.status_code == 200 and "کمتر از ۱۸ سال" in page
    assert 'name="op-national_code"' in page and to_persian_digits(minor) in page
    assert User.objects.count() == count
    with pytest.raises(ValidationError) as exc:
        services.add_operator(
            manager.office, first_name="", last_name="", national_code=minor, mobile="09125550011"
        )
    assert list(exc.value.message_dict) == ["national_code"]


def test_each_fee_row_names_its_service_in_its_label_and_buttons(client, manager):
    html = client.get(reverse("offices:manage")).content.decode()
    rows = re.findall(r'<tr data-service="[^"]+"[^>]*>.*?</tr>', html, re.S)
    assert len(rows) > 2
    labels = []
    for row in rows:
        service, agency = re.search(
            r'<th scope="row" class="fw-normal">([^<]+)<div class="small text-body-secondary">'
            r"([^<]+)</div>",
            row,
        ).groups()
        # The agency too: two agencies may offer services of the same name.
        name = f"{service} ({agency})"
        label = re.search(r'<label class="visually-hidden" for="fee-\d+">([^<]*)</label>', row)
        assert label.group(1) == f"کارمزد این دفتر برای {name}"
        labels.append(label.group(1))
        buttons = re.findall(r"<button[^>]*>(.*?)</button>", row, re.S)
        assert buttons and all(
            f'<span class="visually-hidden"> — {name}</span>' in button for button in buttons
        )
    assert len(set(labels)) == len(labels)
