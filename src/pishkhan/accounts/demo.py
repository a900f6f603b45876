"""Demo users whose scope needs nothing above accounts: citizens, supervisors, regulator, admin."""

from __future__ import annotations

from pishkhan.core.demo import DEMO_PASSWORD, demo_national_code
from pishkhan.core.models import Province

from .models import IdentityRecord
from .roles import Role
from .services import citizen_username, ensure_user

DEMO_CITIZENS = [
    # seed, first name, last name, mobile, province SCI code
    (1, "زهرا", "احمدی", "09121000001", "23"),
    (2, "علی", "رضایی", "09131000002", "10"),
    (3, "فاطمه", "کریمی", "09171000003", "07"),
    (4, "محمد", "حسینی", "09151000004", "09"),
    (5, "مریم", "موسوی", "09141000005", "03"),
]

# People in the identity registry with no account yet: they first come to a counter office.
REGISTRY_ONLY = [
    (11, "رضا", "نوری", "09121000011", "23"),
    (12, "سارا", "جعفری", "09121000012", "23"),
    (13, "حسن", "اکبری", "09131000013", "10"),
]


def load(stdout: object) -> list[tuple[str, str, str]]:
    logins = []
    tehran = Province.objects.get(sci_code="23")
    ensure_user(
        "admin",
        Role.NATIONAL_ADMIN,
        DEMO_PASSWORD,
        first_name="مدیر",
        last_name="سامانه",
        is_staff=True,
        is_superuser=True,
    )
    logins.append((str(Role.NATIONAL_ADMIN.label), "admin", DEMO_PASSWORD))
    ensure_user(
        "regulator", Role.REGULATOR, DEMO_PASSWORD, first_name="کارشناس", last_name="تنظیم مقررات"
    )
    logins.append((str(Role.REGULATOR.label), "regulator", DEMO_PASSWORD))
    ensure_user(
        "supervisor-tehran",
        Role.PROVINCIAL_SUPERVISOR,
        DEMO_PASSWORD,
        first_name="ناظر",
        last_name="استانداری تهران",
        province=tehran,
    )
    logins.append((str(Role.PROVINCIAL_SUPERVISOR.label), "supervisor-tehran", DEMO_PASSWORD))
    for seed, first, last, mobile, province_code in DEMO_CITIZENS:
        code = demo_national_code(seed)
        province = Province.objects.get(sci_code=province_code)
        IdentityRecord.objects.update_or_create(
            national_code=code,
            defaults={
                "first_name": first,
                "last_name": last,
                "mobile": mobile,
                "province": province,
            },
        )
        ensure_user(
            citizen_username(code),
            Role.CITIZEN,
            DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            national_code=code,
            mobile=mobile,
            province=province,
        )
    for seed, first, last, mobile, province_code in REGISTRY_ONLY:
        IdentityRecord.objects.update_or_create(
            national_code=demo_national_code(seed),
            defaults={
                "first_name": first,
                "last_name": last,
                "mobile": mobile,
                "province": Province.objects.get(sci_code=province_code),
            },
        )
    first_citizen = demo_national_code(1)
    logins.append((str(Role.CITIZEN.label), first_citizen, DEMO_PASSWORD))
    return logins
