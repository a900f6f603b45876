"""Education demo: the example student and teacher files, imported the way an operator would,
then certificates on them.

The first demo citizen (9990000018) gets two upper-secondary records with a diploma, an issued
academic-record verification (so ``/verify/<code>/`` has something to show) and one waiting in
the Assessment Center's queue, filed at a Tehran office; a minor comes with the demo citizen who
is her parent. The two example teachers are put in the identity registry so they can sign in to
the portal; the first has an employment certificate. Idempotent: the import updates in place,
requests are keyed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from pishkhan.accounts.identity import citizen_for
from pishkhan.accounts.models import IdentityRecord, User
from pishkhan.accounts.roles import Role
from pishkhan.cases.demo import demo_uploads
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import submit, transition
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.demo import demo_national_code
from pishkhan.core.models import Province
from pishkhan.offices.models import Office

from . import certificates, importing
from .models import Teacher

DATA = Path(__file__).resolve().parent / "data"
STUDENTS_FILE = DATA / "students-example.csv"
TEACHERS_FILE = DATA / "teachers-example.csv"

# seed (demo_national_code), mobile, province SCI code, birth date: the example teachers'
# registry entries.
DEMO_TEACHERS = [
    (201, "09121000201", "23", dt.date(1981, 4, 9)),
    (202, "09131000202", "10", dt.date(1986, 12, 1)),
]

UNIVERSITY = {
    "level": "upper_secondary",
    "final_year": "1392",
    "purpose": "university",
    "recipient_name": "دانشگاه تهران",
}


def load(stdout: object) -> list[tuple[str, str, str]]:
    for path, run in (
        (STUDENTS_FILE, importing.import_students),
        (TEACHERS_FILE, importing.import_teachers),
    ):
        result = run(path)
        if result.errors:
            raise RuntimeError(f"{path.name}: {result.errors}")
    _teachers_in_registry()
    student = User.objects.get(role=Role.CITIZEN, national_code=demo_national_code(1))
    officer = User.objects.get(username="sanjesh-tehran")
    issued = _file("demo-education-issued", student, Channel.ONLINE, None, UNIVERSITY)
    if issued.status == "submitted":
        transition(issued.pk, "start_check", officer)
        transition(issued.pk, "issue", officer)  # online and free: its invoice is settled
    office = Office.objects.get(licence_number="23-1001")
    _file(
        "demo-education-at-office",
        student,
        Channel.OFFICE,
        office,
        {**UNIVERSITY, "purpose": "employment", "recipient_name": "شرکت ملی نفت ایران"},
    )
    teacher = citizen_for(demo_national_code(201), DEMO_TEACHERS[0][1])
    _file(
        "demo-education-employment",
        teacher,
        Channel.ONLINE,
        None,
        {"purpose": "bank_loan", "recipient_name": "بانک ملی ایران", "language": "fa"},
        service_code=certificates.EMPLOYMENT_SERVICE,
    )
    return []


def _teachers_in_registry() -> None:
    for seed, mobile, province_code, birth_date in DEMO_TEACHERS:
        teacher = Teacher.objects.get(national_code=demo_national_code(seed))
        IdentityRecord.objects.update_or_create(
            national_code=teacher.national_code,
            defaults={
                "first_name": teacher.first_name,
                "last_name": teacher.last_name,
                "mobile": mobile,
                "province": Province.objects.get(sci_code=province_code),
                "birth_date": birth_date,
            },
        )


def _file(
    key: str,
    citizen: User,
    channel: str,
    office: Office | None,
    values: dict[str, Any],
    service_code: str = certificates.ACADEMIC_SERVICE,
) -> ServiceRequest:
    existing = ServiceRequest.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    service = Service.objects.get(code=service_code)
    actor = (
        User.objects.filter(office=office, role=Role.OFFICE_OPERATOR).first() if office else None
    )
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=channel,
        actor=actor or citizen,
        office=office,
        form_values=values,
        uploads=demo_uploads(service),
        idempotency_key=key,
    )
    return request
