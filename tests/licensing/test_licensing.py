"""Licensing: application, review, decision within capacity, and the licence's life."""

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from pishkhan.accounts.models import IdentityRecord, User
from pishkhan.cases.services import RequestError
from pishkhan.core.audit import events_for, verify
from pishkhan.core.demo import demo_national_code
from pishkhan.core.models import County
from pishkhan.licensing import services
from pishkhan.licensing.models import CountyCapacity, LicenceApplication, OperatorKind
from pishkhan.offices.models import Office, OfficeKind, OfficeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        name: User.objects.get(username=name)
        for name in [
            "ict-tehran",
            "regulator",
            "workgroup-tehran",
            "9990000018",
            "operator-1001",
            "supervisor-tehran",
        ]
    }


def application_fields(county_code="2309", **overrides):
    from pishkhan.core.identifiers import legal_entity_check_digit

    first_ten = "1019934567"
    fields = dict(
        office_name="دفتر پیشخوان دولت شهریار",
        kind=OfficeKind.URBAN,
        operator_kind=OperatorKind.COMPANY,
        company_name="شرکت نمونه",
        legal_entity_id=first_ten + str(legal_entity_check_digit(first_ten)),
        manager_national_code=demo_national_code(1),
        manager_mobile="09121000001",
        county=County.objects.get(sci_code=county_code),
        address="شهریار، خیابان اصلی",
        postal_code="3351612345",
        phone="02165000000",
    )
    fields.update(overrides)
    return fields


def reviewed(people, county_code="2309"):
    application = services.apply(people["9990000018"], **application_fields(county_code))
    services.act(application.pk, "start_review", people["ict-tehran"])
    services.act(application.pk, "record_visit", people["ict-tehran"], comment="محل مناسب است")
    return application


def test_apply_review_approve_issues_a_licence_and_an_active_office(people):
    application = reviewed(people)
    approved = services.approve(application.pk, people["regulator"])
    assert approved.status == "approved" and approved.office.status == OfficeStatus.ACTIVE
    licence = services.current_licence(approved.office)
    assert licence.expires_on.year == timezone.localdate().year + 5
    assert approved.office.licence_number.startswith("23-")
    # The manager's account is named as the identity registry knows the manager.
    manager = User.objects.get(office=approved.office, role="office_manager")
    assert (manager.first_name, manager.last_name) == ("زهرا", "احمدی")
    assert manager.get_full_name() == "زهرا احمدی"
    assert [e.action for e in events_for("licence_application", application.pk)] == [
        "apply",
        "start_review",
        "record_visit",
        "approve",
    ]
    assert verify().ok


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"legal_entity_id": "10199345670"}, "legal_entity_id"),
        ({"postal_code": "123"}, "postal_code"),
        ({"manager_national_code": "1111111111"}, "manager_national_code"),
        ({"operator_kind": OperatorKind.COMPANY, "legal_entity_id": ""}, "__all__"),
    ],
)
def test_bad_applications_are_refused_and_nothing_is_saved(people, override, field):
    before = LicenceApplication.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.apply(people["9990000018"], **application_fields(**override))
    assert field in exc.value.message_dict
    assert LicenceApplication.objects.count() == before


@pytest.mark.usefixtures("document_storage")
def test_expired_documents_are_refused_and_no_file_is_left(people):
    from tests.cases.conftest import checked, pdf
    from tests.conftest import stored_files

    before = LicenceApplication.objects.count()
    past = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        services.apply(
            people["9990000018"],
            documents=[("آگهی ثبت", checked(pdf()), past)],
            **application_fields(),
        )
    assert "آگهی ثبت" in str(exc.value)
    assert LicenceApplication.objects.count() == before
    application = services.apply(
        people["9990000018"],
        documents=[("کارت ملی مدیر", checked(pdf()), None)],
        **application_fields(),
    )
    assert application.documents.count() == 1
    with pytest.raises(ValidationError):
        services.apply(
            people["9990000018"],
            documents=[("کارت ملی مدیر", checked(pdf()), None)],
            **application_fields(postal_code="1"),
        )
    # The refused one left no file.
    assert stored_files() == [application.documents.get().file.name]


def test_roles_and_order_of_steps(people):
    application = services.apply(people["9990000018"], **application_fields())
    with pytest.raises(services.LicensingError) as exc:
        services.approve(application.pk, people["regulator"])  # not reviewed yet
    assert exc.value.code == "not_allowed"
    with pytest.raises(services.LicensingError) as exc:
        services.act(application.pk, "start_review", people["regulator"])
    assert exc.value.code == "role"
    with pytest.raises(services.LicensingError) as exc:
        services.act(application.pk, "reject", people["ict-tehran"], comment=" ")
    assert exc.value.code == "comment_required"


def test_a_full_county_refuses_approval_with_a_clear_message(people):
    tehran = County.objects.get(sci_code="2301")  # two active demo offices, capacity 2
    application = reviewed(people, "2301")
    with pytest.raises(services.LicensingError) as exc:
        services.approve(application.pk, people["regulator"])
    assert exc.value.code == "no_capacity" and "تهران" in str(exc.value)
    assert "۲" in str(exc.value) and not re.search(r"[0-9]", str(exc.value))  # Persian digits
    application.refresh_from_db()
    assert application.status == "site_visited" and application.office is None
    assert services.capacity_state(tehran).active == 2


def test_capacity_below_active_offices_is_allowed_but_blocks_approvals(people):
    county = County.objects.get(sci_code="2309")
    services.set_capacity(county, 0, timezone.localdate(), "کاهش ظرفیت", people["workgroup-tehran"])
    rows = {r.county.pk: r for r in services.capacity_table(county.province)}
    assert rows[county.pk].capacity == 0 and rows[county.pk].over
    application = reviewed(people)
    with pytest.raises(services.LicensingError):
        services.approve(application.pk, people["regulator"])


def test_only_the_provinces_working_group_sets_capacity(people):
    county = County.objects.get(sci_code="2309")
    with pytest.raises(services.LicensingError):
        services.set_capacity(county, 5, timezone.localdate(), "x", people["regulator"])
    isfahan = County.objects.get(sci_code="1002")
    with pytest.raises(services.LicensingError):
        services.set_capacity(isfahan, 5, timezone.localdate(), "x", people["workgroup-tehran"])
    with pytest.raises(ValidationError):
        services.set_capacity(
            county, 5, timezone.localdate() - dt.timedelta(days=1), "x", people["workgroup-tehran"]
        )
    with pytest.raises(ValidationError):
        services.set_capacity(county, 5, timezone.localdate(), "  ", people["workgroup-tehran"])


def test_recommended_capacity_rule(people):
    rows = services.capacity_table(County.objects.get(sci_code="2301").province)
    assert len(rows) == 16
    assert all(r.recommended >= 1 for r in rows)
    assert sum(r.population for r in rows) <= 13_267_637
    tehran = next(r for r in rows if r.county.sci_code == "2301")
    assert tehran.recommended == -(-tehran.population // services.PEOPLE_PER_OFFICE)


def test_suspended_office_is_blocked_at_the_counter_and_reinstated_after_its_period(
    people, file_request, office
):
    until = timezone.localdate() + dt.timedelta(days=10)
    services.suspend(
        office.pk, people["regulator"], reason="شکایت‌های تاییدشده از اضافه‌دریافت", until=until
    )
    office.refresh_from_db()  # as each counter request reads its office afresh
    with pytest.raises(RequestError) as exc:
        file_request()
    assert exc.value.code == "office_inactive"
    services.expire_and_remind(today=until + dt.timedelta(days=1))
    office.refresh_from_db()
    assert office.status == OfficeStatus.ACTIVE
    request, _ = file_request()
    assert request.pk


def test_revoke_renew_expire_and_reminders(people):
    from pishkhan.notify.models import OutboxMessage

    office = Office.objects.get(licence_number="23-1001")
    licence = services.current_licence(office)
    reminder_day = licence.expires_on - dt.timedelta(days=30)
    services.expire_and_remind(today=reminder_day)
    reminder = OutboxMessage.objects.get(subject_id=str(office.pk), event="renewal_reminder_30")
    assert reminder.recipient == "09121001001" and "30" in reminder.body
    services.expire_and_remind(today=licence.expires_on + dt.timedelta(days=1))
    office.refresh_from_db()
    assert office.status == OfficeStatus.EXPIRED
    renewed = services.renew(office.pk, people["regulator"])
    office.refresh_from_db()
    assert office.status == OfficeStatus.ACTIVE and renewed.expires_on > licence.expires_on
    services.revoke(office.pk, people["regulator"], reason="تخلف مکرر")
    with pytest.raises(services.LicensingError) as revoked:
        services.renew(office.pk, people["regulator"])
    assert revoked.value.code == "not_allowed"  # the workflow's answer, not the window's
    with pytest.raises(services.LicensingError):
        services.revoke(office.pk, people["operator-1001"], reason="x")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_approvals_racing_for_the_last_place_approve_exactly_one():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; this test runs in the PostgreSQL pass")
    people = {
        n: User.objects.get(username=n)
        for n in ["ict-tehran", "regulator", "9990000018", "workgroup-tehran"]
    }
    county = County.objects.get(sci_code="2309")
    CountyCapacity.objects.filter(county=county).delete()
    services.set_capacity(
        county, 1, timezone.localdate(), "یک جای خالی", people["workgroup-tehran"]
    )
    applications = [reviewed(people).pk for _ in range(4)]
    barrier = threading.Barrier(len(applications))
    outcomes = []

    def approve(pk):
        barrier.wait()
        try:
            services.approve(pk, people["regulator"])
            outcomes.append("ok")
        except services.LicensingError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(pk,)) for pk in applications]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["no_capacity"] * 3 + ["ok"]
    assert Office.objects.filter(county=county, status=OfficeStatus.ACTIVE).count() == 1


def test_the_issued_office_records_its_operator_and_a_duplicate_licence_number_is_refused(people):
    application = reviewed(people)
    office = services.approve(application.pk, people["regulator"]).office
    assert (office.operator_kind, office.legal_entity_id) == (
        "company",
        application.legal_entity_id,
    )
    twin = Office(
        licence_number=office.licence_number,
        name="x",
        county=office.county,
        province=office.province,
        address="x",
        postal_code="1991612345",
        phone="1",
    )
    with pytest.raises(ValidationError) as exc:
        twin.full_clean()
    assert "licence_number" in exc.value.message_dict


def test_the_licence_life_cycle_runs_on_its_workflow(people):
    from pishkhan.core.audit import events_for
    from pishkhan.workflow.models import WorkflowDefinition

    office = Office.objects.get(licence_number="23-1001")
    assert office.workflow_id is None  # made by the demo, before any licence step
    regulator = people["regulator"]
    services.suspend(
        office.pk, regulator, reason="بازرسی", until=timezone.localdate() + dt.timedelta(days=5)
    )
    office.refresh_from_db()
    current = WorkflowDefinition.objects.current(services.OFFICE_WORKFLOW)
    assert office.workflow_id == current.pk and office.version == 1  # pinned at the first step
    # The workflow decides what may happen next, for whom.
    assert services.office_steps(office, "regulator") == {"reinstate", "renew", "revoke"}
    assert services.office_steps(office, "office_manager") == set()
    with pytest.raises(services.LicensingError) as refused:
        services.suspend(
            office.pk, regulator, reason="دوباره", until=timezone.localdate() + dt.timedelta(days=9)
        )
    assert refused.value.code == "not_allowed"
    with pytest.raises(services.LicensingError) as no_reason:
        services.revoke(office.pk, regulator, reason="  ")
    assert no_reason.value.code == "comment_required"
    with pytest.raises(services.LicensingError) as early:  # three years left: not yet
        services.renew(office.pk, regulator)
    assert early.value.code == "renewal_window"
    _ends_in(office, days=90)
    services.renew(office.pk, regulator)  # renewing a suspended office keeps it suspended
    services.reinstate(office.pk, regulator, reason="رفع نقص")
    office.refresh_from_db()
    assert office.status == OfficeStatus.ACTIVE and office.version == 3
    steps = [(e.action, e.from_state, e.to_state) for e in events_for("office", office.pk)]
    assert steps[-3:] == [
        ("suspend", "active", "suspended"),
        ("renew", "suspended", "suspended"),
        ("reinstate", "suspended", "active"),
    ]
    history = services.office_history(office, "fa")
    assert [h.label for h in history[-3:]] == [
        "تعلیق پروانه",
        "تمدید پروانه (دفتر در تعلیق می‌ماند)",
        "رفع تعلیق",
    ]
    # Expiry is the platform's own step (no actor): the "system" role of the definition.
    licence = services.current_licence(office)
    services.expire_and_remind(today=licence.expires_on + dt.timedelta(days=1))
    last = list(events_for("office", office.pk))[-1]
    assert (last.action, last.to_state, last.actor_id) == ("expire", "expired", None)


# The manager is who the identity registry says, and an adult (decision 53).


def test_a_manager_the_registry_does_not_confirm_is_refused_when_filing(people):
    before = LicenceApplication.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.apply(people["9990000018"], **application_fields(manager_mobile="09121009999"))
    assert list(exc.value.message_dict) == ["manager_mobile"]
    assert "سامانه هویت" in exc.value.message_dict["manager_mobile"][0]
    assert LicenceApplication.objects.count() == before


def test_a_minor_cannot_be_an_offices_manager(people):
    today = timezone.localdate()
    IdentityRecord.objects.create(
        national_code=demo_national_code(990_101),
        first_name="امید",
        last_name="شریفی",
        mobile="09121009998",
        birth_date=today.replace(year=today.year - 18) + dt.timedelta(days=1),
    )
    before = LicenceApplication.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.apply(
            people["9990000018"],
            **application_fields(
                manager_national_code=demo_national_code(990_101), manager_mobile="09121009998"
            ),
        )
    assert list(exc.value.message_dict) == ["manager_national_code"]
    assert "کمتر از ۱۸ سال" in exc.value.message_dict["manager_national_code"][0]
    assert LicenceApplication.objects.count() == before
    # On their eighteenth birthday they may.
    IdentityRecord.objects.filter(national_code=demo_national_code(990_101)).update(
        birth_date=today.replace(year=today.year - 18)
    )
    services.apply(
        people["9990000018"],
        **application_fields(
            manager_national_code=demo_national_code(990_101), manager_mobile="09121009998"
        ),
    )


def test_no_licence_is_issued_when_the_registry_no_longer_confirms_the_manager(people):
    application = reviewed(people)
    # The mobile changed hands after the application was filed.
    IdentityRecord.objects.filter(national_code=demo_national_code(1)).update(mobile="09121009999")
    offices, users = Office.objects.count(), User.objects.count()
    with pytest.raises(services.LicensingError) as refused:
        services.approve(application.pk, people["regulator"])
    assert refused.value.code == "manager_unconfirmed"
    application.refresh_from_db()
    assert application.status == "site_visited" and application.office is None
    assert (Office.objects.count(), User.objects.count()) == (offices, users)


def _ends_in(office, days):
    """Bring the office's current licence to end ``days`` from today."""
    licence = services.current_licence(office)
    licence.expires_on = timezone.localdate() + dt.timedelta(days=days)
    licence.save(update_fields=["expires_on"])
    return licence


def test_a_licence_is_renewed_only_within_six_months_of_its_end_once(people):
    from pishkhan.licensing.models import Licence

    office = Office.objects.get(licence_number="23-1002")
    regulator = people["regulator"]
    today = timezone.localdate()
    before = Licence.objects.filter(office=office).count()
    for days_left in (3 * 365, 200):
        _ends_in(office, days=days_left)
        with pytest.raises(services.LicensingError) as refused:
            services.renew(office.pk, regulator)
        assert refused.value.code == "renewal_window"
        message = str(refused.value.message)
        assert "شش ماه" in message and not re.search(r"[0-9]", message)  # Persian digits
    assert Licence.objects.filter(office=office).count() == before  # nothing was renewed
    old = _ends_in(office, days=150)  # inside the window
    assert services.renewal_terms(old).is_open
    renewed = services.renew(office.pk, regulator)
    assert renewed.expires_on == old.expires_on.replace(year=old.expires_on.year + 5)
    # A second click the same day: the new licence is years from its end, so it is refused.
    with pytest.raises(services.LicensingError) as again:
        services.renew(office.pk, regulator)
    assert again.value.code == "renewal_window"
    assert services.current_licence(office).expires_on == renewed.expires_on
    # The window opens six calendar months before the end (the month's last day at most).
    for ends, opens in [
        (dt.date(2030, 12, 15), dt.date(2030, 6, 15)),
        (dt.date(2030, 3, 10), dt.date(2029, 9, 10)),
        (dt.date(2030, 8, 31), dt.date(2030, 2, 28)),
    ]:
        terms = services.renewal_terms(Licence(expires_on=ends), today=dt.date(2030, 1, 1))
        assert terms.opens_on == opens, ends
        assert terms.new_expiry == ends.replace(year=2035)
    assert services.renewal_terms(Licence(expires_on=today), today=today).is_open


def test_the_history_labels_each_renewal_by_its_own_states_with_its_new_expiry(people):
    office = Office.objects.get(licence_number="23-1002")
    regulator = people["regulator"]
    _ends_in(office, days=30)
    first = services.renew(office.pk, regulator)  # active → active
    services.suspend(
        office.pk, regulator, reason="بازرسی", until=timezone.localdate() + dt.timedelta(days=5)
    )
    _ends_in(office, days=30)
    second = services.renew(office.pk, regulator)  # suspended → suspended
    history = services.office_history(office, "fa")
    renewals = [(h.label, h.expires_on) for h in history if h.expires_on]
    assert renewals == [
        ("تمدید پروانه", first.expires_on),
        ("تمدید پروانه (دفتر در تعلیق می‌ماند)", second.expires_on),
    ]
    assert [h.label for h in services.office_history(office, "en") if h.expires_on] == [
        "Renew the licence",
        "Renew the licence (the office stays suspended)",
    ]
