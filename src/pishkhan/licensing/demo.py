"""Licensing demo: the Tehran ICT office and working group, capacities for Tehran's counties
(Tehran county full), and applications at each step."""

from __future__ import annotations

from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import ensure_user
from pishkhan.core.demo import DEMO_PASSWORD, demo_national_code
from pishkhan.core.identifiers import legal_entity_check_digit
from pishkhan.core.models import County, Province
from pishkhan.offices.models import Office, OfficeKind

from . import services
from .models import CountyCapacity, Licence, LicenceApplication, OperatorKind

DEMO_APPLICATIONS = [
    # office name, county SCI code, steps
    ("دفتر پیشخوان دولت شمیرانات", "2304", ["start_review", "record_visit"]),
    ("دفتر پیشخوان دولت ری", "2303", ["start_review"]),
    ("دفتر پیشخوان دولت اسلامشهر", "2310", []),
]


def load(stdout: object) -> list[tuple[str, str, str]]:
    tehran = Province.objects.get(sci_code="23")
    ict, _ = ensure_user(
        "ict-tehran",
        Role.PROVINCIAL_ICT,
        DEMO_PASSWORD,
        first_name="کارشناس",
        last_name="اداره کل ارتباطات تهران",
        province=tehran,
    )
    group, _ = ensure_user(
        "workgroup-tehran",
        Role.WORKING_GROUP,
        DEMO_PASSWORD,
        first_name="دبیر",
        last_name="کارگروه استان تهران",
        province=tehran,
    )
    today = timezone.localdate()
    for county in County.objects.filter(province=tehran):
        if not CountyCapacity.objects.filter(county=county).exists():
            # Tehran county is at capacity with its two demo offices; others have room.
            capacity = 2 if county.sci_code == "2301" else 3
            CountyCapacity.objects.create(
                county=county,
                capacity=capacity,
                effective_from=today,
                note="مصوبه جلسه کارگروه استان (نمونه)",
                decided_by=group,
            )
    # Every demo office has a licence: issued two years ago, valid three more.
    for office in Office.objects.all():
        if not office.licences.exists():
            Licence.objects.create(
                office=office,
                number=office.licence_number,
                issued_on=today.replace(year=today.year - 2),
                expires_on=today.replace(year=today.year + 3),
            )
    applicant = User.objects.get(username=demo_national_code(1))
    for index, (name, county_code, steps) in enumerate(DEMO_APPLICATIONS):
        if LicenceApplication.objects.filter(office_name=name).exists():
            continue
        application = services.apply(
            applicant,
            office_name=name,
            kind=OfficeKind.URBAN,
            operator_kind=OperatorKind.COMPANY,
            company_name=f"شرکت خدمات پیشخوان نمونه {index + 1}",
            legal_entity_id=_legal_id(index),
            manager_national_code=demo_national_code(1),
            manager_mobile="09121000001",
            county=County.objects.get(sci_code=county_code),
            address="تهران، خیابان نمونه، پلاک 1",
            postal_code="1991612345",
            phone="02188000000",
        )
        for step in steps:
            services.act(
                application.pk,
                step,
                ict,
                comment="بازدید انجام شد؛ محل مناسب است." if step == "record_visit" else "",
            )
    return [
        (str(Role.PROVINCIAL_ICT.label), "ict-tehran", DEMO_PASSWORD),
        (str(Role.WORKING_GROUP.label), "workgroup-tehran", DEMO_PASSWORD),
    ]


def _legal_id(index: int) -> str:
    first_ten = f"101{index + 1:02d}34567"
    return first_ten + str(legal_entity_check_digit(first_ten))
