"""Demo users whose scope needs nothing above accounts: citizens, supervisors, regulator, admin."""

from __future__ import annotations

import datetime as dt

from pishkhan.core.demo import DEMO_PASSWORD, demo_national_code
from pishkhan.core.models import Province

from .models import IdentityRecord
from .roles import Role
from .services import citizen_username, ensure_user

DEMO_CITIZENS = [
    # seed, first name, last name, mobile, province SCI code, birth date (citizen 1's is her
    # student record's, 1375/04/12, in education/data/students-example.csv)
    (1, "زهرا", "احمدی", "09121000001", "23", dt.date(1996, 7, 2)),
    (2, "علی", "رضایی", "09131000002", "10", dt.date(1979, 3, 30)),
    (3, "فاطمه", "کریمی", "09171000003", "07", dt.date(1985, 11, 8)),
    (4, "محمد", "حسینی", "09151000004", "09", dt.date(1968, 5, 17)),
    (5, "مریم", "موسوی", "09141000005", "03", dt.date(1990, 1, 25)),
]

# People in the identity registry with no account yet: they first come to a counter office.
REGISTRY_ONLY = [
    (11, "رضا", "نوری", "09121000011", "23", dt.date(1988, 9, 14)),
    (12, "سارا", "جعفری", "09121000012", "23", dt.date(1999, 2, 3)),
    (13, "حسن", "اکبری", "09131000013", "10", dt.date(1975, 7, 21)),
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
    for seed, first, last, mobile, province_code, birth_date in DEMO_CITIZENS:
        code = demo_national_code(seed)
        province = Province.objects.get(sci_code=province_code)
        IdentityRecord.objects.update_or_create(
            national_code=code,
            defaults={
                "first_name": first,
                "last_name": last,
                "mobile": mobile,
                "province": province,
                "birth_date": birth_date,
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
    for seed, first, last, mobile, province_code, birth_date in REGISTRY_ONLY:
        IdentityRecord.objects.update_or_create(
            national_code=demo_national_code(seed),
            defaults={
                "first_name": first,
                "last_name": last,
                "mobile": mobile,
                "province": Province.objects.get(sci_code=province_code),
                "birth_date": birth_date,
            },
        )
    first_citizen = demo_national_code(1)
    logins.append((str(Role.CITIZEN.label), first_citizen, DEMO_PASSWORD))
    return logins
