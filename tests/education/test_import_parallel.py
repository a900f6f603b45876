"""The fast path of the student import: CSV chunks parsed in worker processes, COPY straight
into the tables. Whatever the workers, the batch size or the path a batch takes, the outcome is
the single-process import's: the same rows, the same errors file (docs/education.md, "Speed")."""

import csv
import datetime as dt
import sys
from decimal import Decimal

import pytest
from django.db import connection  # noqa: F401 (the skipif below)
from django.utils import translation

from pishkhan.core.jalali import parse_jalali_date
from pishkhan.education import importing
from pishkhan.education.models import AcademicRecord, Student, Teacher

from .conftest import HEADER, code, student

pytestmark = pytest.mark.django_db

SEEDS = range(800, 830)


def mixed_rows():
    """Good and bad rows; students on several rows (together and far apart); cells with spaces
    around them; Persian digits; a nine-digit code; a name with a comma (quoted by csv)."""
    rows = []
    for n, seed in enumerate(SEEDS):
        rows.append(student(seed, year="1398"))
        if n % 3 == 0:
            rows.append(student(seed, year="1399", **{"grade:math": "19.75"}))
    rows[4] = student(SEEDS[3], **{"grade:physics": "20.5"})  # rejected: above 20
    rows[7] = student(SEEDS[5], birth_date="1403/12/31")  # rejected: no such day
    rows[9]["national_code"] = "1234567890"  # rejected: check digit
    rows[11]["first_name"] = "  مینا  "  # kept, stripped
    rows[12]["birth_date"] = "۱۳۸۰/۰۵/۲۰"
    rows[13]["school_name"] = "دبیرستان «البرز», شعبه ۲"
    rows[14]["level"] = "متوسطه اول"
    rows[14]["field_of_study"] = ""
    rows[15]["gpa"] = "17.5"
    rows[16]["grade:physics"] = ""
    rows.append(student(SEEDS[0], year="1398", last_name="نام تازه"))  # a later row wins
    rows.append(student(SEEDS[-1], year="1398", **{"grade:math": "abc"}))  # rejected
    return rows


def snapshot(codes):
    students = sorted(
        Student.objects.filter(national_code__in=codes).values_list(
            "national_code",
            "first_name",
            "last_name",
            "birth_date",
            "parent_national_code",
            "school_code",
            "school_name",
            "county_id",
        )
    )
    records = sorted(
        AcademicRecord.objects.filter(student__national_code__in=codes).values_list(
            "student__national_code",
            "year",
            "level",
            "field_of_study",
            "school_code",
            "school_name",
            "grades",
            "gpa",
            "diploma_number",
            "diploma_date",
        ),
        key=repr,
    )
    return students, records


def outcome(path, **options):
    """Import, note the rows and the errors file, and remove the students again."""
    result = importing.import_students(path, **options)
    error_file = importing.error_file_for(path)
    errors = error_file.read_bytes() if error_file.exists() else b""
    codes = [code(seed) for seed in SEEDS]
    rows = snapshot(codes)
    Student.objects.filter(national_code__in=codes).delete()
    return (result.rows, result.imported, result.errors, errors, rows)


@pytest.mark.parametrize("batch_size", [1, 2, 3, 7, 5000])
def test_workers_give_the_single_process_outcome(write_csv, batch_size):
    path = write_csv(mixed_rows())
    single = outcome(path, workers=0, batch_size=batch_size)
    rows, imported, errors, error_file, (students, records) = single
    assert (rows, imported) == (42, 38)
    assert [(line, column) for line, column, _reason in errors] == [
        (6, "grade:physics"),
        (9, "birth_date"),
        (11, "national_code"),
        (43, "grade:math"),
    ]
    assert error_file.decode("utf-8-sig").splitlines()[1].startswith("6,grade:physics,")
    assert len(students) == 29 and len(records) == 37  # two rows of one student and year
    assert outcome(path, workers=2, batch_size=batch_size) == single
    # and the same as one batch, read by csv alone
    assert outcome(path, workers=0, batch_size=10**6) == single


def test_the_values_written(write_csv):
    path = write_csv(mixed_rows())
    importing.import_students(path, workers=2, batch_size=4)
    first = Student.objects.get(national_code=code(SEEDS[0]))
    assert first.last_name == "نام تازه"  # the later row
    assert set(first.records.values_list("year", flat=True)) == {1398, 1399}
    assert Student.objects.get(national_code=code(SEEDS[8])).first_name == "مینا"
    ninth = Student.objects.get(national_code=code(SEEDS[9]))
    assert ninth.birth_date == parse_jalali_date("1380/05/20")
    assert ninth.school_name == "دبیرستان «البرز», شعبه ۲"
    record = ninth.records.get(year=1398)
    assert (record.grades, record.gpa) == ({"math": "18.50", "physics": "17.00"}, Decimal("17.75"))
    lower = AcademicRecord.objects.get(student__national_code=code(SEEDS[10]))
    assert (lower.level, lower.field_of_study) == ("lower_secondary", "")
    assert AcademicRecord.objects.get(student__national_code=code(SEEDS[11])).gpa == Decimal(
        "17.50"
    )
    only_math = AcademicRecord.objects.get(student__national_code=code(SEEDS[12]), year=1398)
    assert (only_math.grades, only_math.gpa) == ({"math": "18.50"}, Decimal("18.50"))


def test_quotes_newlines_and_stray_quotes_read_as_csv_reads_them(tmp_path):
    """Cells with the delimiter, quotes and newlines (csv quotes them), and stray quotes csv
    takes literally: a chunk may then end inside a quoted cell, which the worker notices, and
    the rest is read sequentially."""
    rows = [student(seed) for seed in SEEDS[:12]]
    rows[1]["first_name"] = 'سی"نا'  # written without quotes below: a stray quote
    rows[2]["school_name"] = "خط اول\nخط دوم"  # then a chunk may end after "خط اول"
    rows[4]["school_name"] = 'دبیرستان "نمونه"'
    rows[5]["last_name"] = "طاهری\tنژاد\\"
    path = tmp_path / "quoted.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        for n, row in enumerate(rows):
            if n == 1:
                handle.write(",".join(row[h] for h in HEADER) + "\r\n")
            else:
                writer.writerow(row)
    reference = outcome(path, workers=0, batch_size=10**6)
    assert reference[:3] == (12, 12, [])
    students, records = reference[4]
    assert {s[1] for s in students} >= {'سی"نا'}
    assert {s[2] for s in students} >= {"طاهری\tنژاد\\"}
    assert {r[5] for r in records} >= {'دبیرستان "نمونه"', "خط اول\nخط دوم"}
    for batch_size in (1, 2, 3, 5):
        for workers in (0, 2):
            assert outcome(path, workers=workers, batch_size=batch_size) == reference


def test_bare_cr_line_ends_are_read_sequentially(tmp_path):
    path = tmp_path / "mac.csv"
    lines = [",".join(HEADER)] + [",".join(student(seed)[h] for h in HEADER) for seed in SEEDS[:5]]
    lines[3] = lines[3].replace("18.50", "21")
    path.write_bytes("\r".join(lines).encode() + b"\r")
    result = importing.import_students(path, workers=2, batch_size=2)
    assert (result.rows, result.imported) == (5, 4)
    assert [(line, column) for line, column, _reason in result.errors] == [(4, "grade:math")]


def test_a_file_unreadable_half_way_keeps_the_whole_batches_before(tmp_path):
    lines = [",".join(HEADER).encode()] + [
        ",".join(student(seed)[h] for h in HEADER).encode() for seed in SEEDS[:10]
    ]
    lines[8] = lines[8].replace("طاهری".encode(), b"\xff\xfe")  # line 9
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    for workers in (0, 2):
        with translation.override("en"), pytest.raises(importing.ImportFileError) as caught:
            importing.import_students(path, workers=workers, batch_size=3)
        assert str(caught.value) == "The CSV file is not UTF-8 text (line 9)."
        kept = Student.objects.filter(national_code__in=[code(s) for s in SEEDS])
        assert sorted(kept.values_list("national_code", flat=True)) == sorted(
            code(s) for s in SEEDS[:6]
        )
        kept.delete()


def test_a_nul_byte_later_in_the_file_refuses_the_rest(tmp_path):
    seeds = range(900, 1200)
    lines = [",".join(HEADER)] + [",".join(student(seed)[h] for h in HEADER) for seed in seeds]
    lines[250] = lines[250].replace("طاهری", "طا\x00هری")
    path = tmp_path / "nul.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with translation.override("en"), pytest.raises(importing.ImportFileError, match="not a CSV"):
        importing.import_students(path, workers=0, batch_size=100)
    # the two batches before it are in
    assert Student.objects.filter(national_code__in=[code(s) for s in seeds]).count() == 200


def test_a_student_in_the_table_already_is_updated_whatever_the_path(write_csv):
    """A batch of new students goes straight into the tables; one that meets a student already
    there is staged and upserted, wholly, the direct COPY rolled back."""
    importing.import_students(write_csv([student(SEEDS[5], last_name="قدیمی")], name="a.csv"))
    path = write_csv([student(seed) for seed in SEEDS[:10]], name="b.csv")
    result = importing.import_students(path, workers=0, batch_size=4)
    assert (result.imported, result.errors) == (10, [])
    assert Student.objects.get(national_code=code(SEEDS[5])).last_name == "طاهری"
    assert (
        AcademicRecord.objects.filter(
            student__national_code__in=[code(s) for s in SEEDS[:10]]
        ).count()
        == 10
    )
    # again, every batch now updates in place
    assert importing.import_students(path, workers=2, batch_size=4).imported == 10
    assert Student.objects.filter(national_code__in=[code(s) for s in SEEDS[:10]]).count() == 10


def test_chunks_keep_a_students_rows_together(tmp_path):
    path = tmp_path / "years.csv"
    rows = [student(SEEDS[n // 3], year=str(1396 + n % 3)) for n in range(12)]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    _header, _line, offset = importing._csv_header(path, ",")
    assert offset is not None
    chunks = list(importing._csv_chunks(path, offset, 1, 2, key=0))
    assert [chunk.lines for chunk in chunks] == [3, 3, 3, 3]
    assert [chunk.line_before for chunk in chunks] == [1, 4, 7, 10]
    assert b"".join(chunk.data for chunk in chunks) == path.read_bytes()[offset:]


def test_needs_strip_sees_every_whitespace_at_a_cell_edge():
    line = "0012345679,زهرا,طاهری‌نژاد,دبیرستان البرز,18.50\r\n"
    assert not importing._needs_strip(line.encode(), ",")
    spaces = [
        chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c) not in "\r\n"
    ]
    for space in spaces:
        for edged in (f"{space}زهرا", f"زهرا{space}"):
            data = line.replace("زهرا", edged).encode()
            assert importing._needs_strip(data, ","), repr(space)
        assert importing._needs_strip(f"{space}{line}".encode(), ",")


def test_mean_grade_is_decimal_rounding():
    for count in range(1, 13):
        for total in range(0, 2000 * count + 1, 7 if count > 4 else 1):
            expected = (Decimal(total) / 100 / count).quantize(Decimal("0.01"))
            assert importing.mean_grade(total, count) == str(expected), (total, count)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_new_students_take_ids_from_the_sequence(write_csv):
    path = write_csv([student(seed) for seed in SEEDS[:6]])
    importing.import_students(path, workers=0, batch_size=3)
    ids = list(
        Student.objects.filter(national_code__in=[code(s) for s in SEEDS[:6]])
        .order_by("id")
        .values_list("id", flat=True)
    )
    assert len(set(ids)) == 6
    # the next student the ORM saves gets a fresh id: the sequence moved past them
    other = Student.objects.create(
        national_code=code(SEEDS[20]),
        first_name="الف",
        last_name="ب",
        birth_date=dt.date(2000, 1, 1),
    )
    assert other.id > max(ids)


def test_workers_default_to_none_for_a_small_file(write_csv, monkeypatch):
    made = []
    monkeypatch.setattr(importing, "_Pool", lambda *a: made.append(a))
    importing.import_students(write_csv([student(SEEDS[0])]))
    assert made == []


def test_teachers_through_workers_too(write_csv):
    header = list(importing.TEACHER_COLUMNS)
    rows = [
        {
            "national_code": code(seed),
            "personnel_code": f"555{seed}",
            "first_name": "پروین",
            "last_name": "اعتصامی",
            "post": "دبیر ادبیات",
            "workplace": "دبیرستان البرز",
            "county": "2301",
            "employed_on": "1390/06/31",
            "left_on": "",
        }
        for seed in SEEDS
    ]
    rows[3]["employed_on"] = "1390/07/31"  # no such day
    path = write_csv(rows, name="teachers.csv", header=header)
    single = importing.import_teachers(path, workers=0, batch_size=4)
    codes = [code(seed) for seed in SEEDS]
    written = sorted(
        Teacher.objects.filter(national_code__in=codes).values_list(
            "national_code", "personnel_code", "employed_on", "county_id"
        )
    )
    Teacher.objects.filter(national_code__in=codes).delete()
    parallel = importing.import_teachers(path, workers=2, batch_size=4)
    assert (
        (parallel.rows, parallel.imported, parallel.errors)
        == (
            single.rows,
            single.imported,
            single.errors,
        )
        == (30, 29, [(5, "employed_on", parallel.errors[0][2])])
    )
    assert (
        sorted(
            Teacher.objects.filter(national_code__in=codes).values_list(
                "national_code", "personnel_code", "employed_on", "county_id"
            )
        )
        == written
    )


def _die(chunk, size):
    import os

    os._exit(9)


def test_a_worker_that_dies_stops_the_import_instead_of_hanging(tmp_path, monkeypatch):
    """A worker killed mid-import (out of memory, a signal) fails the import at once; a
    multiprocessing.Pool would wait for its lost result for ever."""
    from concurrent.futures.process import BrokenProcessPool

    monkeypatch.setattr(importing, "_parse_in_worker", _die)
    path = tmp_path / "students.csv"
    path.write_text("national_code\n", encoding="utf-8")
    pool = importing._Pool(None, path, 1)  # type: ignore[arg-type]
    chunk = importing._Chunk(offset=0, line_before=1, lines=1, data=b"x")
    try:
        with pytest.raises(BrokenProcessPool):
            list(pool.map(iter([chunk])))
    finally:
        pool.close(finished=False)
