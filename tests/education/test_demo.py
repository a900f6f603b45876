"""The education demo: the first demo citizen has academic records; a second run adds nothing."""

import pytest

from pishkhan.core.demo import demo_national_code
from pishkhan.education import demo
from pishkhan.education.models import AcademicRecord, Student, Teacher

pytestmark = pytest.mark.django_db


def test_the_demo_is_loaded_and_idempotent():
    first = Student.objects.get(national_code=demo_national_code(1))
    assert first.records.filter(diploma_number__gt="").exists()
    minor = Student.objects.get(national_code="9990001014")
    assert minor.parent_national_code == demo_national_code(2)
    assert Teacher.objects.count() >= 2
    counts = (Student.objects.count(), AcademicRecord.objects.count(), Teacher.objects.count())
    demo.load(None)
    assert (
        Student.objects.count(),
        AcademicRecord.objects.count(),
        Teacher.objects.count(),
    ) == counts
