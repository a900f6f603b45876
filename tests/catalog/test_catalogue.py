"""The shipped catalogue: every service of the seed, loaded idempotently, with sane data."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command

from pishkhan.catalog.loader import load_catalogue
from pishkhan.catalog.models import Agency, Fee, FeeKind, FormField, RequiredDocument, Service

# A copy of the project brief's shared/seed/services.md: the list the catalogue must cover.
SEED_SERVICES = Path(__file__).resolve().parents[1] / "data" / "seed-services.md"

pytestmark = pytest.mark.django_db


def seed_rows():
    """(number, Persian name) of every row of the seed's service tables."""
    rows = []
    for line in SEED_SERVICES.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|", line)
        if match:
            rows.append((int(match.group(1)), match.group(2)))
    return rows


def test_every_seed_service_is_in_the_catalogue():
    rows = seed_rows()
    assert len(rows) == 33
    for number, name_fa in rows:
        services = Service.objects.filter(seed_number=number)
        assert services.exists(), f"seed service {number} {name_fa} is missing"
        assert all(s.name_fa == name_fa for s in services), number


def test_services_the_seed_gives_two_agencies_have_an_entry_per_agency():
    for number in (26, 28):
        agencies = set(
            Service.objects.filter(seed_number=number).values_list("agency__code", flat=True)
        )
        assert agencies == {"gas", "tavanir"}


def test_academic_verification_is_on_both_channels_without_government_fee():
    service = Service.objects.get(code="moe-sanjesh-academic-verification")
    assert service.offered_at_office and service.offered_online
    assert service.workflow_key == "academic_verification"
    assert not Fee.objects.filter(
        service=service, kind=FeeKind.GOVERNMENT, amount_rials__gt=0
    ).exists()


def test_there_are_free_self_service_only_education_services():
    free_online = [
        s
        for s in Service.objects.filter(
            agency__code="moe", offered_online=True, offered_at_office=False
        )
        if not s.fees.filter(amount_rials__gt=0).exists()
    ]
    assert len(free_online) >= 2
    codes = {s.code for s in free_online}
    assert {"moe-teacher-employment-certificate", "moe-student-report-card-copy"} <= codes


def test_published_identity_fees():
    for code in ("nocr-birth-certificate-duplicate", "nocr-national-id-card-replacement"):
        fee = Fee.objects.filter(service__code=code, kind=FeeKind.GOVERNMENT).latest(
            "effective_from"
        )
        assert fee.amount_rials == 300_000


def test_every_service_is_complete():
    for service in Service.objects.all():
        assert service.documents.exists(), service.code
        assert service.fields.exists(), service.code
        assert service.sla_working_days > 0, service.code
        assert service.fees.filter(kind=FeeKind.GOVERNMENT).exists(), service.code
        assert service.fees.filter(kind=FeeKind.OFFICE_CAP).exists() == service.offered_at_office
        for field in service.fields.all():
            field.full_clean()
        service.full_clean()


def test_catalogue_text_is_stored_normalised():
    arabic = re.compile("[يكى۰-۹٠-٩]")
    for model, attrs in [
        (Service, ["name_fa", "description_fa"]),
        (Agency, ["name_fa"]),
        (RequiredDocument, ["name_fa"]),
        (FormField, ["label_fa", "help_fa"]),
    ]:
        for obj in model.objects.all():
            for attr in attrs:
                assert not arabic.search(getattr(obj, attr)), (obj, attr)


def test_loading_again_changes_nothing():
    counts = [m.objects.count() for m in (Agency, Service, RequiredDocument, FormField, Fee)]
    report = load_catalogue()
    assert not report.changed, report
    assert counts == [
        m.objects.count() for m in (Agency, Service, RequiredDocument, FormField, Fee)
    ]


def test_demo_command_is_idempotent():
    from pishkhan.accounts.models import User
    from pishkhan.offices.models import Office

    before = (User.objects.count(), Office.objects.count(), Service.objects.count())
    call_command("demo", "--quiet-logins", verbosity=0)
    assert before == (User.objects.count(), Office.objects.count(), Service.objects.count())


def test_demo_has_a_user_per_role_and_offices_in_three_provinces(role_users):
    from pishkhan.accounts.roles import Role
    from pishkhan.core.identifiers import is_valid_national_code
    from pishkhan.offices.models import Office

    assert set(role_users) == set(Role.values)
    assert Office.objects.values("province").distinct().count() >= 3
    citizens = role_users[Role.CITIZEN].__class__.objects.filter(role=Role.CITIZEN)
    assert citizens.count() >= 3
    assert all(is_valid_national_code(c.national_code) for c in citizens)
