"""Demo counter offices in five provinces (and one suspended, to show that status matters)."""

from __future__ import annotations

from django.utils import timezone

from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import ensure_user
from pishkhan.catalog.fees import fee_in_force
from pishkhan.catalog.models import FeeKind, Service
from pishkhan.core.demo import DEMO_PASSWORD
from pishkhan.core.models import County
from pishkhan.core.text import normalize

from .models import Office, OfficeKind, OfficeService, OfficeStatus

DEMO_OFFICES = [
    # licence, name, county SCI code, kind, status, address, postal code, phone
    (
        "23-1001",
        "دفتر پیشخوان دولت ۱۰۰۱ تهران (ونک)",
        "2301",
        OfficeKind.URBAN,
        OfficeStatus.ACTIVE,
        "تهران، میدان ونک، خیابان ملاصدرا، پلاک ۱۲",
        "1991612345",
        "02188001001",
    ),
    (
        "23-1002",
        "دفتر پیشخوان دولت ۱۰۰۲ تهران (نارمک)",
        "2301",
        OfficeKind.URBAN,
        OfficeStatus.ACTIVE,
        "تهران، نارمک، میدان هفت‌حوض، پلاک ۴",
        "1648734567",
        "02177001002",
    ),
    (
        "10-2001",
        "دفتر پیشخوان دولت ۲۰۰۱ اصفهان",
        "1002",
        OfficeKind.URBAN,
        OfficeStatus.ACTIVE,
        "اصفهان، خیابان چهارباغ بالا، پلاک ۸۸",
        "8174673451",
        "03136202001",
    ),
    (
        "07-3001",
        "دفتر پیشخوان دولت ۳۰۰۱ شیراز",
        "707",
        OfficeKind.URBAN,
        OfficeStatus.ACTIVE,
        "شیراز، بلوار زند، نبش کوچه ۱۹",
        "7134845678",
        "07132303001",
    ),
    (
        "09-4001",
        "دفتر پیشخوان دولت ۴۰۰۱ مشهد",
        "916",
        OfficeKind.URBAN,
        OfficeStatus.ACTIVE,
        "مشهد، بلوار وکیل‌آباد، وکیل‌آباد ۱۴",
        "9189876543",
        "05138404001",
    ),
    (
        "03-5001",
        "دفتر پیشخوان روستایی ۵۰۰۱ تبریز",
        "303",
        OfficeKind.RURAL,
        OfficeStatus.SUSPENDED,
        "تبریز، جاده باسمنج، روستای کندرود",
        "5137913579",
        "04134505001",
    ),
]


def load(stdout: object) -> list[tuple[str, str, str]]:
    for licence, name, county_code, kind, status, address, postal, phone in DEMO_OFFICES:
        county = County.objects.get(sci_code=county_code)
        Office.objects.update_or_create(
            licence_number=licence,
            defaults={
                "name": normalize(name),
                "county": county,
                "province": county.province,
                "kind": kind,
                "status": status,
                "address": normalize(address),
                "postal_code": postal,
                "phone": phone,
                "opening_hours": normalize("شنبه تا چهارشنبه ۸ تا ۱۶"),
            },
        )
    _offerings()
    return _staff()


def _offerings() -> None:
    """Every active office offers every office-channel service, at 80 % of today's cap."""
    today = timezone.localdate()
    services = list(
        Service.objects.active().filter(offered_at_office=True).prefetch_related("fees")
    )
    for office in Office.objects.all():
        existing = set(office.offerings.values_list("service_id", flat=True))
        OfficeService.objects.bulk_create(
            OfficeService(
                office=office,
                service=service,
                office_fee_rials=fee_in_force(service, FeeKind.OFFICE_CAP, today) * 8 // 10,
            )
            for service in services
            if service.pk not in existing
        )


def _staff() -> list[tuple[str, str, str]]:
    """A manager for office 1001, and an operator for every active office."""
    first = Office.objects.get(licence_number="23-1001")
    ensure_user(
        "manager-1001",
        Role.OFFICE_MANAGER,
        DEMO_PASSWORD,
        first_name="مدیر",
        last_name="دفتر 1001",
        office=first,
        province=first.province,
        mobile="09121001001",
    )
    for office in Office.objects.active().order_by("licence_number"):
        number = office.licence_number.split("-")[1]
        ensure_user(
            f"operator-{number}",
            Role.OFFICE_OPERATOR,
            DEMO_PASSWORD,
            first_name="اپراتور",
            last_name=f"دفتر {number}",
            office=office,
            province=office.province,
        )
    return [
        (str(Role.OFFICE_MANAGER.label), "manager-1001", DEMO_PASSWORD),
        (str(Role.OFFICE_OPERATOR.label), "operator-1001", DEMO_PASSWORD),
    ]
