"""The catalogue, and demo staff of the agencies."""

from __future__ import annotations

from pishkhan.accounts.roles import Role
from pishkhan.accounts.services import ensure_user
from pishkhan.core.demo import DEMO_PASSWORD
from pishkhan.core.models import Province

from .loader import load_catalogue
from .models import Agency
from .services import ensure_agency_admin_group


def load(stdout: object) -> list[tuple[str, str, str]]:
    report = load_catalogue()
    if report.changed:
        stdout.write(  # type: ignore[attr-defined]
            f"Catalogue: {len(report.created)} created, {len(report.updated)} updated."
        )
    group = ensure_agency_admin_group()
    tehran = Province.objects.get(sci_code="23")
    nocr = Agency.objects.get(code="nocr")
    sanjesh = Agency.objects.get(code="moe-sanjesh")
    ensure_user(
        "officer-nocr-tehran",
        Role.AGENCY_OFFICER,
        DEMO_PASSWORD,
        first_name="کارشناس",
        last_name="ثبت احوال تهران",
        agency=nocr,
        province=tehran,
    )
    admin, _created = ensure_user(
        "agencyadmin-nocr",
        Role.AGENCY_ADMIN,
        DEMO_PASSWORD,
        first_name="مدیر خدمات",
        last_name="ثبت احوال",
        agency=nocr,
        is_staff=True,
    )
    admin.groups.add(group)
    ensure_user(
        "officer-nocr-fars",
        Role.AGENCY_OFFICER,
        DEMO_PASSWORD,
        first_name="کارشناس",
        last_name="ثبت احوال فارس",
        agency=nocr,
        province=Province.objects.get(sci_code="07"),
    )
    ensure_user(
        "officer-abfa-isfahan",
        Role.AGENCY_OFFICER,
        DEMO_PASSWORD,
        first_name="کارشناس",
        last_name="آب و فاضلاب اصفهان",
        agency=Agency.objects.get(code="abfa"),
        province=Province.objects.get(sci_code="10"),
    )
    ensure_user(
        "sanjesh-tehran",
        Role.ASSESSMENT_OFFICER,
        DEMO_PASSWORD,
        first_name="کارشناس",
        last_name="مرکز سنجش تهران",
        agency=sanjesh,
        province=tehran,
    )
    return [
        (str(Role.AGENCY_OFFICER.label), "officer-nocr-tehran", DEMO_PASSWORD),
        (str(Role.AGENCY_ADMIN.label), "agencyadmin-nocr", DEMO_PASSWORD),
        (str(Role.ASSESSMENT_OFFICER.label), "sanjesh-tehran", DEMO_PASSWORD),
    ]
