"""Importing students: validation with line numbers, atomic batches, re-import in place."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from pishkhan.education import importing
from pishkhan.education.models import AcademicRecord, Student

from .conftest import HEADER, code, student

pytestmark = pytest.mark.django_db


def errors_of(path):
    with importing.error_file_for(path).open(encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_valid_rows_are_imported_with_grades_and_gpa(write_csv):
    path = write_csv([student(500), student(500, year="1399", **{"grade:math": "20"})])
    result = importing.import_students(path)
    assert (result.rows, result.imported, result.errors) == (2, 2, [])
    assert result.error_file is None and not importing.error_file_for(path).exists()
    records = AcademicRecord.objects.filter(student__national_code=code(500)).order_by("year")
    assert [(r.year, r.grades, r.gpa) for r in records] == [
        (1398, {"math": "18.50", "physics": "17.00"}, Decimal("17.75")),
        (1399, {"math": "20.00", "physics": "17.00"}, Decimal("18.50")),
    ]
    assert Student.objects.get(national_code=code(500)).county.sci_code == "2301"


@pytest.mark.parametrize(
    ("changes", "column", "reason"),
    [
        ({"national_code": "1234567890"}, "national_code", "This is not a valid national code."),
        ({"grade:math": "21"}, "grade:math", "A grade must be a number from 0 to 20."),
        ({"grade:math": "-1"}, "grade:math", "A grade must be a number from 0 to 20."),
        ({"grade:math": "18.255"}, "grade:math", "A grade may have at most two decimal places."),
        ({"gpa": "abc"}, "gpa", "A grade must be a number from 0 to 20."),
        (
            {"birth_date": "1404/12/30"},  # 1404 is not a leap year
            "birth_date",
            "This date does not exist in the Jalali calendar.",
        ),
        (
            {"birth_date": "1403/12/31"},
            "birth_date",
            "This date does not exist in the Jalali calendar.",
        ),
        (
            {"birth_date": "2023-02-29"},
            "birth_date",
            "This date does not exist in the Gregorian calendar.",
        ),
        ({"birth_date": "yesterday"}, "birth_date", None),
        ({"level": "college"}, "level", None),
        ({"field_of_study": ""}, "field_of_study", None),
        ({"county": "99999"}, "county", "Unknown county code."),
        ({"first_name": ""}, "first_name", "This column must not be empty."),
        ({"year": "98"}, "year", None),
        # A minor needs a parent's national code.
        ({"birth_date": "1395/01/01", "level": "primary"}, "parent_national_code", None),
        ({"parent_national_code": "1111111111"}, "parent_national_code", None),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_the_others_are_kept(
    write_csv, changes, column, reason
):
    path = write_csv([student(501), student(502, **changes), student(503)])
    with translation.override("en"):
        result = importing.import_students(path)
    assert result.imported == 2 and result.rejected == 1
    assert [(line, col) for line, col, _r in result.errors] == [(3, column)]
    if reason:
        assert result.errors[0][2] == reason
    assert errors_of(path)[0] == ["line", "column", "reason"]
    assert errors_of(path)[1][:2] == ["3", column]
    assert set(Student.objects.filter(national_code__in=[code(501), code(502), code(503)])
               .values_list("national_code", flat=True)) == {code(501), code(503)}  # fmt: skip
    assert not AcademicRecord.objects.filter(student__national_code=code(502)).exists()


def test_leap_year_esfand_30_is_accepted(write_csv):
    path = write_csv([student(504, birth_date="1383/12/30")])  # 1383 is a leap year
    assert importing.import_students(path).errors == []
    assert str(Student.objects.get(national_code=code(504)).birth_date) == "2005-03-20"


def test_messages_are_in_persian_by_default(write_csv):
    path = write_csv([student(505, **{"grade:math": "21"})])
    with translation.override("fa"):
        result = importing.import_students(path)
    assert result.errors[0][2] == "نمره باید عددی از ۰ تا ۲۰ باشد."


def test_a_bad_row_in_a_batch_keeps_the_batch_and_never_half_a_student(write_csv):
    rows = [student(510 + i) for i in range(5)]
    rows[2] = student(512, **{"grade:physics": "21"})
    path = write_csv(rows)
    result = importing.import_students(path, batch_size=2)
    assert result.imported == 4 and [e[0] for e in result.errors] == [4]
    assert not Student.objects.filter(national_code=code(512)).exists()
    assert (
        AcademicRecord.objects.filter(
            student__national_code__in=[code(510 + i) for i in (0, 1, 3, 4)]
        ).count()
        == 4
    )


def test_reimport_updates_in_place(write_csv):
    path = write_csv([student(520), student(520, year="1399")])
    importing.import_students(path)
    first_ids = set(
        AcademicRecord.objects.filter(student__national_code=code(520)).values_list("id", flat=True)
    )
    path = write_csv([student(520, last_name="طاهری‌نژاد", **{"grade:math": "19.25"})])
    assert importing.import_students(path).imported == 1
    st = Student.objects.get(national_code=code(520))
    assert st.last_name == "طاهری‌نژاد"
    records = AcademicRecord.objects.filter(student=st)
    assert set(records.values_list("id", flat=True)) == first_ids
    assert records.get(year=1398).grades["math"] == "19.25"
    assert records.get(year=1399).grades["math"] == "18.50"


def test_xlsx_with_persian_headers_and_excel_dates(tmp_path):
    import datetime as dt

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["کد ملی", "نام", "نام خانوادگی", "تاریخ تولد", "کد ملی ولی", "سال تحصیلی",
                  "مقطع", "رشته", "نمره:ریاضی", "معدل"])  # fmt: skip
    sheet.append([int(code(530)), "مینا", "صالحی", dt.datetime(2014, 3, 1), code(2), 1403,
                  "متوسطه اول", "", 19.5, None])  # fmt: skip
    sheet.append([code(531), "رضا", "صالحی", "1383/02/31", "", "1403", "متوسطه دوم",
                  "", 18, None])  # fmt: skip
    path = tmp_path / "students.xlsx"
    workbook.save(path)
    result = importing.import_students(path)
    assert result.imported == 1
    assert [(line, column) for line, column, _r in result.errors] == [(3, "field_of_study")]
    record = AcademicRecord.objects.get(student__national_code=code(530))
    assert (record.level, record.grades, record.gpa) == (
        "lower_secondary",
        {"ریاضی": "19.50"},
        Decimal("19.50"),
    )
    assert str(record.student.birth_date) == "2014-03-01"
    assert record.student.parent_national_code == code(2)


def test_truncated_xlsx_is_refused_and_nothing_is_imported(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["national_code", "first_name"])
    full = tmp_path / "full.xlsx"
    workbook.save(full)
    path = tmp_path / "cut.xlsx"
    path.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    before = Student.objects.count()
    with translation.override("en"), pytest.raises(importing.ImportFileError, match="damaged"):
        importing.import_students(path)
    assert Student.objects.count() == before


def test_xlsx_with_a_cut_off_sheet_is_refused(tmp_path):
    import zipfile

    workbook = openpyxl.Workbook()
    workbook.active.append(list(importing.STUDENT_COLUMNS))
    for seed in range(700, 760):
        workbook.active.append([code(seed), "الف", "ب", "1380/01/01", "", "", "", "", "1398",
                                "primary", "", "", "", ""])  # fmt: skip
    full = tmp_path / "full.xlsx"
    workbook.save(full)
    path = tmp_path / "cut-sheet.xlsx"
    with zipfile.ZipFile(full) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    with translation.override("en"), pytest.raises(importing.ImportFileError, match="damaged"):
        importing.import_students(path)
    assert not Student.objects.filter(national_code=code(700)).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("students.txt", b"national_code\n", "must be a CSV or XLSX"),
        ("students.pdf", b"%PDF-1.4", "must be a CSV or XLSX"),
        ("students.csv", b"PK\x03\x04\x00\x00binary", "not a CSV text file"),
        ("students.csv", b"", "empty"),
        ("students.csv", b"national_code,first_name\n", "Required columns are missing"),
        ("students.csv", ",".join(HEADER).encode() + b"\n\xff\xfe\xfa\n", "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with translation.override("en"), pytest.raises(importing.ImportFileError) as caught:
        importing.import_students(path)
    if message:
        assert message in str(caught.value)


def test_the_progress_bar_is_off_when_not_a_terminal():
    stream = io.StringIO()
    bar = importing.progress_bar(stream, "students")
    bar.update(10)
    bar.close()
    assert bar.disable and stream.getvalue() == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    bar = importing.progress_bar(terminal, "students")
    assert not bar.disable
    bar.update(10)
    bar.close()
    assert "10" in terminal.getvalue()
