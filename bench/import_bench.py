"""The student import's part of `make bench`: `pishkhan import-students` against PostgreSQL's own
COPY of the same rows (bench/README.md, "The student import").

    import_bench.py generate FILE ROWS        a realistic students CSV of ROWS rows
    import_bench.py prepare FILE OUTDIR       the floor's two COPY files, made once beforehand
    import_bench.py measure FILE OUTDIR JSON  the timings, into JSON

"The same rows": ``prepare`` reads FILE with the import's own parser, as one batch, and writes
what the import leaves in the two tables, in their column layout (students with ids 1..n, then
their records): ``students.copy`` and ``records.copy``. ``measure`` empties the two tables
(``TRUNCATE … RESTART IDENTITY``), CHECKPOINTs and times PostgreSQL's COPY of the two files in
one transaction, with the tables' indexes and constraints (the floor: parsing, checks, indexes,
foreign keys, WAL, nothing of Python's); empties them again, CHECKPOINTs and times the command
``pishkhan import-students FILE`` as a user runs it (a new process: Django's start-up included;
its bytecode cached, as an installed app's is); checks that both left the same rows (a digest of
every column but ids and times); then times the command again on the full tables (every row
updated in place). Also the command's start-up alone (a file with the header only), and the CPU
seconds of the import's processes and of PostgreSQL's (``BENCH_TREES``'s ``db`` tree, as
measure.py reads them). COPY and the import are timed in turn BENCH_IMPORT_REPEAT times (2),
the faster run of each counting.

Runs with the app's settings (DATABASE_URL); the counties must be loaded (``pishkhan demo`` or
``loaddata geography``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pishkhan.settings")
django.setup()

from django.db import connection  # noqa: E402

from pishkhan.core.identifiers import national_code_check_digit  # noqa: E402
from pishkhan.core.jalali import parse_jalali_date  # noqa: E402
from pishkhan.core.models import County  # noqa: E402
from pishkhan.education import importing  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import snapshot  # noqa: E402

FIRST_NAMES = [
    "زهرا", "فاطمه", "مریم", "ستایش", "نازنین‌زهرا", "هستی", "کوثر", "ریحانه", "یاسمن", "سارینا",
    "علی", "محمد", "امیرحسین", "حسین", "امیرعباس", "ابوالفضل", "محمدطاها", "علی‌اصغر", "رضا", "آرین",
]  # fmt: skip
LAST_NAMES = [
    "احمدی", "محمدی", "حسینی", "رضایی", "کریمی", "موسوی", "جعفری", "صادقی", "رحیمی", "قاسمی",
    "طاهری‌نژاد", "میرزایی", "نوروزی", "حیدری", "اکبری", "عباسی", "کاظمی", "ابراهیمی", "شریفی",
    "هاشمی‌پور",
]  # fmt: skip
SCHOOLS = {
    "primary": ["دبستان شهید بهشتی", "دبستان دخترانه فرهنگ", "دبستان پسرانه امید"],
    "lower_secondary": ["دبیرستان دوره اول فرزانگان", "مدرسه راهنمایی سعدی"],
    "upper_secondary": ["دبیرستان البرز", "دبیرستان فرزانگان", "هنرستان فنی شهید رجایی"],
}
LEVELS = {"primary": "ابتدایی", "lower_secondary": "متوسطه اول", "upper_secondary": "متوسطه دوم"}
FIELDS = ["ریاضی و فیزیک", "علوم تجربی", "ادبیات و علوم انسانی"]
# Ten subjects; a level's report card has the first N of them.
SUBJECTS = ["ریاضی", "علوم", "فارسی", "قرآن", "هدیه‌های آسمان", "مطالعات اجتماعی", "عربی",
            "انگلیسی", "فیزیک", "شیمی"]  # fmt: skip
SUBJECTS_OF = {"primary": 6, "lower_secondary": 8, "upper_secondary": 10}
HEADER = [
    "کد ملی", "نام", "نام خانوادگی", "تاریخ تولد", "کد ملی ولی", "کد شهرستان", "کد مدرسه",
    "نام مدرسه", "سال تحصیلی", "مقطع", "رشته", *[f"نمره:{s}" for s in SUBJECTS], "معدل",
    "شماره دیپلم", "تاریخ دیپلم",
]  # fmt: skip
LAST_YEAR = 1403  # the export's latest academic year


def code_of(number: int, salt: int) -> str:
    """A valid national code, distinct for distinct numbers (a bijection on nine digits)."""
    nine = f"{(number * 7_919_317 + salt) % 1_000_000_000:09d}"
    return nine + str(national_code_check_digit(nine))


def generate(path: Path, rows: int, seed: int = 1405) -> None:
    """Students of every age at school, each with one to three consecutive academic years (the
    rows of a student together, as the export lists them); Jalali birth dates, a tenth Gregorian;
    the parent's code for every minor; a grade for each subject of the level, two decimals
    mostly; the GPA left for the import to compute on four rows in five; a diploma on the last
    year of upper secondary."""
    rnd = random.Random(seed)
    counties = list(County.objects.order_by("pk").values_list("sci_code", flat=True))
    today = dt.date.today()
    written = 0
    number = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        while written < rows:
            number += 1
            code = code_of(number, 12_345)
            if len(set(code)) == 1:
                continue
            years = min(rows - written, rnd.choices((1, 2, 3), (5, 3, 2))[0])
            grade_now = rnd.randint(1, 12)  # the grade (1-12) the student is in in LAST_YEAR
            jalali = (
                f"{LAST_YEAR - 6 - grade_now}/{rnd.randint(1, 12):02d}/{rnd.randint(1, 29):02d}"
            )
            birth_date = parse_jalali_date(jalali)
            birth = birth_date.isoformat() if rnd.random() < 0.1 else jalali
            adult = (today - birth_date).days > 19 * 366
            parent = "" if adult and rnd.random() < 0.5 else code_of(number, 987_654_321)
            first = rnd.choice(FIRST_NAMES)
            last = rnd.choice(LAST_NAMES)
            county = rnd.choice(counties)
            field = rnd.choice(FIELDS)
            for year in range(LAST_YEAR - years + 1, LAST_YEAR + 1):
                grade = grade_now - (LAST_YEAR - year)
                if grade < 1:
                    continue
                level = (
                    "primary"
                    if grade <= 6
                    else "lower_secondary"
                    if grade <= 9
                    else "upper_secondary"
                )
                subjects = SUBJECTS_OF[level]
                grades = []
                for _ in range(subjects):
                    hundredths = rnd.randint(1000, 2000)
                    grades.append(
                        str(hundredths // 100)
                        if hundredths % 100 == 0
                        else f"{hundredths / 100:.2f}"
                    )
                gpa = ""
                if rnd.random() < 0.2:
                    gpa = importing.mean_grade(
                        sum(round(float(g) * 100) for g in grades), len(grades)
                    )
                diploma = grade == 12 and year == LAST_YEAR
                out.writerow(
                    [
                        code, first, last, birth, parent, county, f"{1000 + number % 9000}1234",
                        rnd.choice(SCHOOLS[level]), str(year), LEVELS[level],
                        field if level == "upper_secondary" else "",
                        *grades, *[""] * (len(SUBJECTS) - subjects), gpa,
                        f"D-{year}-{number:07d}" if diploma else "",
                        f"{year + 1}/04/{rnd.randint(1, 31):02d}" if diploma else "",
                    ]
                )  # fmt: skip
                written += 1


def prepare(path: Path, outdir: Path) -> dict[str, int]:
    """The floor's COPY files: the rows the import writes, parsed by its own parser as one
    batch (so a student on several rows is one student, the last row winning, as the import's
    batches do in turn)."""
    outdir.mkdir(parents=True, exist_ok=True)
    delimiter = importing._csv_delimiter(path)
    header, header_line, offset = importing._csv_header(path, delimiter)
    assert header is not None and offset is not None
    mapping, grades = importing._map_header(
        header, importing.STUDENT_COLUMNS, importing.STUDENT_REQUIRED
    )
    parser = importing._StudentParser(
        mapping, grades, importing._counties(), dt.date.today(), delimiter=delimiter
    )
    (chunk,) = importing._csv_chunks(path, offset, header_line, 10**12)
    assert isinstance(chunk, importing._Chunk)
    batch = parser.parse_chunk(
        importing._Chunk(chunk.offset, chunk.line_before, chunk.lines, chunk.data, range(1, 10**9))
    )
    assert not batch.errors and not batch.failure, batch.errors[:3] or batch.failure
    (outdir / "students.copy").write_bytes(batch.people)
    (outdir / "records.copy").write_bytes(batch.records)
    return {"rows": batch.rows, "students": batch.people.count(b"\n")}


STUDENTS, RECORDS = "education_student", "education_academicrecord"


def sql(statement: str) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return list(cursor.fetchall()) if cursor.description else []


def empty_tables() -> None:
    # CASCADE: certificates refer to students (none in a bench run's import).
    sql(f"TRUNCATE {STUDENTS}, {RECORDS} RESTART IDENTITY CASCADE")
    sql("CHECKPOINT")


def digest() -> tuple[object, ...]:
    """Row counts and a digest of every column but ids and times, of both tables."""
    students = sql(
        f"SELECT count(*), md5(string_agg(concat_ws('|', national_code, first_name, last_name, "
        f"birth_date, parent_national_code, school_code, school_name, county_id), "
        f"E'\\n' ORDER BY national_code)) FROM {STUDENTS}"
    )[0]
    records = sql(
        f"SELECT count(*), md5(string_agg(concat_ws('|', s.national_code, r.year, r.level, "
        f"r.field_of_study, r.school_code, r.school_name, r.grades::text, r.gpa, "
        f"r.diploma_number, r.diploma_date), E'\\n' ORDER BY s.national_code, r.year)) "
        f"FROM {RECORDS} r JOIN {STUDENTS} s ON s.id = r.student_id"
    )[0]
    return (*students, *records)


class Meter:
    """Wall time, and CPU seconds of this process's children and of PostgreSQL's tree."""

    def __init__(self) -> None:
        trees = dict(item.split(":") for item in os.environ.get("BENCH_TREES", "").split())
        self.db = {"db": int(trees["db"])} if "db" in trees else {}

    def __enter__(self) -> Meter:
        self.db_before = snapshot(self.db)
        self.children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.self_before = resource.getrusage(resource.RUSAGE_SELF)
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        after = snapshot(self.db)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        own = resource.getrusage(resource.RUSAGE_SELF)
        self.client_cpu = (children.ru_utime + children.ru_stime + own.ru_utime + own.ru_stime) - (
            self.children_before.ru_utime
            + self.children_before.ru_stime
            + self.self_before.ru_utime
            + self.self_before.ru_stime
        )
        self.db_cpu = (
            sum(t - self.db_before["db"].get(pid, 0.0) for pid, t in after["db"].items())
            if self.db
            else None
        )


def command(path: Path, outdir: Path) -> None:
    """``pishkhan import-students PATH`` in a process of its own, its bytecode cached (in OUTDIR)
    as an installed app's is, whatever PYTHONDONTWRITEBYTECODE says here."""
    pishkhan = Path(sys.executable).with_name("pishkhan")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(outdir / "pycache")
    done = subprocess.run(
        [str(pishkhan), "import-students", str(path)], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        sys.exit(f"pishkhan import-students {path} failed ({done.returncode}):\n{done.stderr}")


def copy_floor(outdir: Path) -> None:
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, name in (
            (STUDENTS, importing.STUDENT_COLUMNS_COPY, "students.copy"),
            (RECORDS, importing.RECORD_COLUMNS_COPY, "records.copy"),
        ):
            model = importing.Student if table == STUDENTS else importing.AcademicRecord
            names = ", ".join(importing._column(model, c) for c in columns)
            with (
                (outdir / name).open("rb") as source,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                while block := source.read(1 << 20):
                    copy.write(block)


def measure(path: Path, outdir: Path, result: Path) -> None:
    rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
    figures: dict[str, object] = {"rows": rows, "workers": importing.default_workers()}

    def per_row(meter: Meter, prefix: str) -> None:
        figures[f"{prefix}_seconds"] = round(meter.seconds, 3)
        figures[f"{prefix}_rows_per_s"] = round(rows / meter.seconds, 1)
        figures[f"{prefix}_client_cpu_us_per_row"] = round(meter.client_cpu / rows * 1e6, 2)
        if meter.db_cpu is not None:
            figures[f"{prefix}_db_cpu_us_per_row"] = round(meter.db_cpu / rows * 1e6, 2)

    header_only = outdir / "header-only.csv"
    header_only.write_text(path.open(encoding="utf-8").readline(), encoding="utf-8")
    command(header_only, outdir)  # compiles and caches the bytecode
    with Meter() as meter:
        command(header_only, outdir)
    figures["startup_seconds"] = round(meter.seconds, 3)
    # COPY and the import in turn, REPEAT times: the faster of each (other load on the machine
    # slows both alike, or one and not the other).
    best: dict[str, Meter] = {}
    floor: tuple[object, ...] = ()
    for _ in range(max(1, int(os.environ.get("BENCH_IMPORT_REPEAT", "2")))):
        empty_tables()
        with Meter() as meter:
            copy_floor(outdir)
        if "copy" not in best or meter.seconds < best["copy"].seconds:
            best["copy"] = meter
        floor = digest()
        empty_tables()
        with Meter() as meter:
            command(path, outdir)
        if "import" not in best or meter.seconds < best["import"].seconds:
            best["import"] = meter
        imported = digest()
        if imported != floor:
            sys.exit(f"the import and COPY left different rows: {imported} != {floor}")
    per_row(best["copy"], "copy")
    per_row(best["import"], "import")
    figures["students"], figures["records"] = floor[0], floor[2]
    sql("CHECKPOINT")
    with Meter() as meter:
        command(path, outdir)
    per_row(meter, "update")
    if digest() != floor:
        sys.exit("the re-import changed the rows")
    result.write_text(json.dumps(figures, indent=1))
    print(
        f"import {figures['import_rows_per_s']:,.0f} rows/s, COPY "
        f"{figures['copy_rows_per_s']:,.0f} rows/s, re-import "
        f"{figures['update_rows_per_s']:,.0f} rows/s ({rows:,} rows, {floor[0]:,} students)"
    )


def main() -> None:
    action = sys.argv[1] if len(sys.argv) > 1 else ""
    if action == "generate":
        generate(Path(sys.argv[2]), int(sys.argv[3]))
    elif action == "prepare":
        prepare(Path(sys.argv[2]), Path(sys.argv[3]))
    elif action == "measure":
        measure(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
