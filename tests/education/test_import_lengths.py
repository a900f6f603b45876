"""A value longer than its database column is that row's error (with its line and a Persian
reason), never a failed batch: the other rows are imported."""

import csv

import pytest

from pishkhan.education import importing
from pishkhan.education.models import Student, Teacher

from .conftest import code, student

pytestmark = pytest.mark.django_db


def errors_of(path):
    with importing.error_file_for(path).open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("column", "width"),
    [("first_name", 100), ("school_name", 200), ("field_of_study", 100), ("diploma_number", 30)],
)
def test_an_overlong_student_value_is_the_rows_error(write_csv, column, width):
    rows = [student(301), student(302, **{column: "ب" * (width + 1)}), student(303)]
    if column == "diploma_number":
        header = [*rows[0].keys(), "diploma_number"]
        for row in rows:
            row.setdefault("diploma_number", "")
        path = write_csv(rows, header=header)
    else:
        path = write_csv(rows)
    result = importing.import_students(path)
    assert (result.rows, result.imported, len(result.errors)) == (3, 2, 1)
    [error] = errors_of(path)
    assert error["line"] == "3" and error["column"] == column
    assert "نویسه" in error["reason"]
    assert set(
        Student.objects.filter(national_code__in=[code(301), code(302), code(303)]).values_list(
            "national_code", flat=True
        )
    ) == {code(301), code(303)}


def test_an_overlong_teacher_value_is_the_rows_error(tmp_path):
    path = tmp_path / "teachers.csv"
    header = "national_code,personnel_code,first_name,last_name,post,workplace,county,employed_on\n"
    good = f"{code(311)},1234,مهدی,صادقی,دبیر,دبیرستان,2301,1390/01/01\n"
    long = f"{code(312)},1235,مهدی,صادقی,{'د' * 101},دبیرستان,2301,1390/01/01\n"
    path.write_text(header + good + long, encoding="utf-8")
    result = importing.import_teachers(path)
    assert (result.imported, len(result.errors)) == (1, 1)
    assert errors_of(path)[0]["column"] == "post"
    assert not Teacher.objects.filter(national_code=code(312)).exists()
