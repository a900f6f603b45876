"""Import students (with their academic records) and teachers from CSV or XLSX files.

Plain functions, used by the ``import-students``/``import-teachers`` commands, the tests and the
bench. Every row is validated whole before anything is written; valid rows are written in
batches, each batch one transaction with one bulk upsert per table, so a bad row never leaves
half a student. Re-importing updates in place: students and teachers by national code,
records by (student, academic year). Row errors go to ``<input>.errors.csv`` (line, column,
reason). docs/education.md
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pishkhan.core.identifiers import (
    IdentifierError,
    national_code_check_digit,
    normalize_national_code,
)
from pishkhan.core.jalali import JalaliDateError, parse_jalali_date
from pishkhan.core.models import County
from pishkhan.core.text import to_ascii_digits

from .models import AcademicRecord, Level, Student, Teacher

BATCH_SIZE = 5000

# Canonical column -> accepted headers (English and Persian), compared after _header_key().
STUDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "national_code": ("national_code", "کد ملی"),
    "first_name": ("first_name", "نام"),
    "last_name": ("last_name", "نام خانوادگی"),
    "birth_date": ("birth_date", "تاریخ تولد"),
    "parent_national_code": ("parent_national_code", "کد ملی ولی"),
    "county": ("county", "county_code", "کد شهرستان"),
    "school_code": ("school_code", "کد مدرسه"),
    "school_name": ("school_name", "نام مدرسه"),
    "year": ("year", "academic_year", "سال تحصیلی"),
    "level": ("level", "مقطع"),
    "field_of_study": ("field_of_study", "رشته"),
    "gpa": ("gpa", "معدل"),
    "diploma_number": ("diploma_number", "شماره دیپلم"),
    "diploma_date": ("diploma_date", "تاریخ دیپلم"),
}
STUDENT_REQUIRED = ("national_code", "first_name", "last_name", "birth_date", "year", "level")
# Grade columns: "grade:<subject>" or "نمره:<subject>".
GRADE_PREFIXES = ("grade:", "نمره:")

TEACHER_COLUMNS: dict[str, tuple[str, ...]] = {
    "national_code": ("national_code", "کد ملی"),
    "personnel_code": ("personnel_code", "کد پرسنلی"),
    "first_name": ("first_name", "نام"),
    "last_name": ("last_name", "نام خانوادگی"),
    "post": ("post", "سمت"),
    "workplace": ("workplace", "school_or_office", "محل خدمت"),
    "county": ("county", "county_code", "کد شهرستان"),
    "employed_on": ("employed_on", "تاریخ استخدام"),
    "left_on": ("left_on", "تاریخ پایان خدمت"),
}
TEACHER_REQUIRED = (
    "national_code",
    "personnel_code",
    "first_name",
    "last_name",
    "post",
    "workplace",
    "employed_on",
)

LEVEL_ALIASES = {
    "primary": Level.PRIMARY,
    "ابتدایی": Level.PRIMARY,
    "lower_secondary": Level.LOWER_SECONDARY,
    "متوسطه اول": Level.LOWER_SECONDARY,
    "upper_secondary": Level.UPPER_SECONDARY,
    "متوسطه دوم": Level.UPPER_SECONDARY,
}
ADULT_AGE = 18


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, damaged, missing columns)."""


class RowError(ValueError):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class ImportResult:
    rows: int = 0
    imported: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    error_file: Path | None = None

    @property
    def rejected(self) -> int:
        return len({line for line, _column, _reason in self.errors})


# --- Reading ----------------------------------------------------------------------------


def _header_key(value: object) -> str:
    text = " ".join(str(value or "").replace("\u200c", " ").split()).strip().lower()
    return text.replace("-", "_") if text.isascii() else text


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_table(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every row, the header first. Raises ImportFileError."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise ImportFileError(_("The file must be a CSV or XLSX file."))


def _read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    with path.open("rb") as raw:
        head = raw.read(4096)
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file is not a CSV text file."))
    try:
        first_line = head.decode("utf-8-sig").splitlines()[0] if head else ""
    except UnicodeDecodeError:
        first_line = ""
    delimiter = max(",;\t", key=first_line.count)

    def rows() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            try:
                for cells in reader:
                    yield reader.line_num, [c.strip() for c in cells]
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    _("The CSV file is not UTF-8 text (line %(line)s).")
                    % {"line": reader.line_num + 1}
                ) from exc
            except csv.Error as exc:
                raise ImportFileError(
                    _("The CSV file is malformed at line %(line)s.") % {"line": reader.line_num}
                ) from exc

    return rows()


# What openpyxl raises on a damaged file: a broken zip, a missing part, a cut-off XML part
# (ElementTree's and lxml's parse errors are SyntaxErrors), a bad deflate stream.
_XLSX_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    OSError,
    ValueError,
    EOFError,
    SyntaxError,
    zlib.error,
)


def _read_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (*_XLSX_ERRORS, IndexError) as exc:
        raise ImportFileError(
            _("The XLSX file is damaged or truncated and cannot be read.")
        ) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, [_cell(v) for v in values]
        except _XLSX_ERRORS as exc:
            raise ImportFileError(
                _("The XLSX file is damaged or truncated and cannot be read.")
            ) from exc
        finally:
            workbook.close()

    return rows()


def _map_header(
    header: list[str], columns: dict[str, tuple[str, ...]], required: Iterable[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """Canonical column -> index, and grade subject -> index."""
    aliases = {_header_key(a): name for name, names in columns.items() for a in names}
    found: dict[str, int] = {}
    grades: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _header_key(title)
        if key in aliases:
            found.setdefault(aliases[key], index)
            continue
        for prefix in GRADE_PREFIXES:
            if key.startswith(prefix) and key[len(prefix) :].strip():
                grades[" ".join(str(title).split(":", 1)[1].split())] = index
    missing = [name for name in required if name not in found]
    if missing:
        raise ImportFileError(
            _("Required columns are missing: %(columns)s") % {"columns": ", ".join(missing)}
        )
    return found, grades


# --- Validating one value ---------------------------------------------------------------


def national_code(column: str, value: str) -> str:
    if not value:
        raise RowError(column, _("This column must not be empty."))
    if len(value) == 10 and value.isascii() and value.isdigit() and len(set(value)) > 1:
        # The common case, without the general normalisation's regex work.
        if national_code_check_digit(value[:9]) == ord(value[9]) - 48:
            return value
        raise RowError(column, _("This is not a valid national code."))
    try:
        return normalize_national_code(value)
    except IdentifierError as exc:
        raise RowError(column, _("This is not a valid national code.")) from exc


@functools.lru_cache(maxsize=65536)
def _parse_date(value: str) -> dt.date | str:
    """A date, or the msgid of why it is not one (cached: exports repeat dates a lot)."""
    text = to_ascii_digits(value).strip()
    if text[:4].isdigit() and int(text[:4]) >= 1700:
        parts = text.split()[0].replace("/", "-").replace(".", "-").split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            return gettext_noop("Write the date as year/month/day, e.g. 1403/07/15 or 2024-10-06.")
        try:
            return dt.date(*(int(p) for p in parts))
        except ValueError:
            return gettext_noop("This date does not exist in the Gregorian calendar.")
    try:
        return parse_jalali_date(text)
    except JalaliDateError as exc:
        return {
            "format": gettext_noop(
                "Write the date as year/month/day, e.g. 1403/07/15 or 2024-10-06."
            ),
            "month": gettext_noop("The month must be between 1 and 12."),
            "year": gettext_noop("The year is out of range."),
        }.get(exc.code, gettext_noop("This date does not exist in the Jalali calendar."))


def date_value(column: str, value: str, *, required: bool = True) -> dt.date | None:
    if not value:
        if required:
            raise RowError(column, _("This column must not be empty."))
        return None
    parsed = _parse_date(value)
    if isinstance(parsed, str):
        raise RowError(column, _(parsed))
    return parsed


_TWO_PLACES = Decimal("0.01")


@functools.lru_cache(maxsize=8192)
def _parse_grade(value: str) -> tuple[str, str]:
    """(grade as a two-decimal string, "") or ("", msgid of the error); cached, as exports
    repeat the same few thousand grades."""
    text = to_ascii_digits(value).strip().replace("٫", ".")
    try:
        grade = Decimal(text)
    except InvalidOperation:
        return "", gettext_noop("A grade must be a number from 0 to 20.")
    if not grade.is_finite() or not Decimal(0) <= grade <= Decimal(20):
        return "", gettext_noop("A grade must be a number from 0 to 20.")
    if grade.quantize(_TWO_PLACES) != grade:
        return "", gettext_noop("A grade may have at most two decimal places.")
    return str(grade.quantize(_TWO_PLACES)), ""


def grade_value(column: str, value: str) -> str:
    grade, error = _parse_grade(value)
    if error:
        raise RowError(column, _(error))
    return grade


def _county(column: str, value: str, counties: dict[str, int]) -> int | None:
    if not value:
        return None
    county_id = counties.get(to_ascii_digits(value).strip())
    if county_id is None:
        raise RowError(column, _("Unknown county code."))
    return county_id


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- Rows -------------------------------------------------------------------------------


def _get(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def student_row(
    cells: list[str],
    columns: dict[str, int],
    grade_columns: dict[str, int],
    counties: dict[str, int],
    today: dt.date,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(student fields, record fields) of one row, or RowError."""
    width = len(cells)
    values = {name: cells[i] if i < width else "" for name, i in columns.items()}

    def get(name: str) -> str:
        return values.get(name, "")

    for name in ("first_name", "last_name"):
        if not get(name):
            raise RowError(name, _("This column must not be empty."))
    code = national_code("national_code", get("national_code"))
    birth = date_value("birth_date", get("birth_date"))
    assert birth is not None
    if birth > today:
        raise RowError("birth_date", _("The birth date is in the future."))
    parent = get("parent_national_code")
    if parent:
        parent = national_code("parent_national_code", parent)
        if parent == code:
            raise RowError(
                "parent_national_code", _("The parent's national code is the student's own.")
            )
    elif _age_on(birth, today) < ADULT_AGE:
        raise RowError(
            "parent_national_code", _("The parent's national code is required for a minor.")
        )
    county_id = _county("county", get("county"), counties)
    year_text = get("year")[:4]
    if not year_text.isdigit():
        year_text = to_ascii_digits(year_text)
    if not year_text.isdigit() or not 1300 <= int(year_text) <= 1500:
        raise RowError("year", _("The academic year must be a Jalali year such as 1403."))
    level = LEVEL_ALIASES.get(get("level")) or LEVEL_ALIASES.get(_header_key(get("level")))
    if level is None:
        raise RowError(
            "level", _("Unknown level: use primary, lower_secondary or upper_secondary.")
        )
    field_of_study = get("field_of_study")
    if level == Level.UPPER_SECONDARY and not field_of_study:
        raise RowError("field_of_study", _("Upper secondary records need a field of study."))
    grades: dict[str, str] = {}
    for subject, index in grade_columns.items():
        raw = cells[index] if index < width else ""
        if raw:
            grades[subject] = grade_value(f"grade:{subject}", raw)
    gpa_text = get("gpa")
    if gpa_text:
        gpa: Decimal | None = Decimal(grade_value("gpa", gpa_text))
    elif grades:
        hundredths = sum(int(g.replace(".", "")) for g in grades.values())
        gpa = (Decimal(hundredths) / 100 / len(grades)).quantize(_TWO_PLACES)
    else:
        gpa = None
    diploma_date = date_value("diploma_date", get("diploma_date"), required=False)
    school_code, school_name = get("school_code"), get("school_name")
    student = {
        "national_code": code,
        "first_name": get("first_name"),
        "last_name": get("last_name"),
        "birth_date": birth,
        "parent_national_code": parent,
        "school_code": school_code,
        "school_name": school_name,
        "county_id": county_id,
    }
    record = {
        "year": int(year_text),
        "level": str(level),
        "field_of_study": field_of_study,
        "school_code": school_code,
        "school_name": school_name,
        "grades": grades,
        "gpa": gpa,
        "diploma_number": get("diploma_number"),
        "diploma_date": diploma_date,
    }
    return student, record


def teacher_row(
    cells: list[str], columns: dict[str, int], counties: dict[str, int], today: dt.date
) -> dict[str, Any]:
    def get(name: str) -> str:
        return _get(cells, columns.get(name))

    for name in ("first_name", "last_name", "post", "workplace"):
        if not get(name):
            raise RowError(name, _("This column must not be empty."))
    code = national_code("national_code", get("national_code"))
    personnel = to_ascii_digits(get("personnel_code"))
    if not personnel.isdigit() or len(personnel) > 20:
        raise RowError("personnel_code", _("The personnel code must be digits only."))
    employed_on = date_value("employed_on", get("employed_on"))
    left_on = date_value("left_on", get("left_on"), required=False)
    assert employed_on is not None
    if employed_on > today:
        raise RowError("employed_on", _("The employment date is in the future."))
    if left_on is not None and left_on < employed_on:
        raise RowError("left_on", _("The end of service is before the employment date."))
    return {
        "national_code": code,
        "personnel_code": personnel,
        "first_name": get("first_name"),
        "last_name": get("last_name"),
        "post": get("post"),
        "workplace": get("workplace"),
        "county_id": _county("county", get("county"), counties),
        "employed_on": employed_on,
        "left_on": left_on,
    }


# --- Writing ----------------------------------------------------------------------------

STUDENT_UPDATE = [
    "first_name",
    "last_name",
    "birth_date",
    "parent_national_code",
    "school_code",
    "school_name",
    "county",
    "updated_at",
]
RECORD_UPDATE = [
    "level",
    "field_of_study",
    "school_code",
    "school_name",
    "grades",
    "gpa",
    "diploma_number",
    "diploma_date",
    "updated_at",
]
TEACHER_UPDATE = [
    "personnel_code",
    "first_name",
    "last_name",
    "post",
    "workplace",
    "county",
    "employed_on",
    "left_on",
    "updated_at",
]


def _column(model: type[models.Model], name: str) -> str:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field) and model_field.column
    return str(model_field.column)


def _pg_upsert(
    cursor: Any,
    model: type[models.Model],
    fields: list[str],
    rows: Iterable[tuple[Any, ...]],
    conflict: list[str],
    returning: str = "",
) -> list[tuple[Any, ...]]:
    """PostgreSQL: COPY the rows into a temp table, then one INSERT … ON CONFLICT DO UPDATE
    of every other column. The rows must be unique on the conflict columns."""
    meta = model._meta
    table = meta.db_table
    columns = [_column(model, name) for name in fields]
    stage = f"stage_{table}"
    column_list = ", ".join(columns)
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
        f"SELECT {column_list} FROM {table} WITH NO DATA"
    )
    cursor.execute(f"TRUNCATE {stage}")
    with cursor.cursor.copy(f"COPY {stage} ({column_list}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    conflict_columns = [_column(model, name) for name in conflict]
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in conflict_columns)
    cursor.execute(
        f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {stage} "
        f"ON CONFLICT ({', '.join(conflict_columns)}) DO UPDATE SET {updates}"
        + (f" RETURNING {returning}" if returning else "")
    )
    return list(cursor.fetchall()) if returning else []


STUDENT_FIELDS = [
    "national_code",
    "first_name",
    "last_name",
    "birth_date",
    "parent_national_code",
    "school_code",
    "school_name",
    "county_id",
]
RECORD_FIELDS = [
    "year",
    "level",
    "field_of_study",
    "school_code",
    "school_name",
    "grades",
    "gpa",
    "diploma_number",
    "diploma_date",
]
TEACHER_FIELDS = [
    "national_code",
    "personnel_code",
    "first_name",
    "last_name",
    "post",
    "workplace",
    "county_id",
    "employed_on",
    "left_on",
]


def write_student_batch(batch: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """One transaction: upsert the batch's students, then their records."""
    now = timezone.now()
    students: dict[str, dict[str, Any]] = {}
    records: dict[tuple[str, int], dict[str, Any]] = {}
    for student, record in batch:  # later rows win within a batch, as across batches
        students[student["national_code"]] = student
        records[(student["national_code"], record["year"])] = record
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                ids = dict(
                    _pg_upsert(
                        cursor,
                        Student,
                        [*STUDENT_FIELDS, "updated_at"],
                        ((*(s[f] for f in STUDENT_FIELDS), now) for s in students.values()),
                        ["national_code"],
                        returning="national_code, id",
                    )
                )
                _pg_upsert(
                    cursor,
                    AcademicRecord,
                    ["student", *RECORD_FIELDS, "updated_at"],
                    (
                        (
                            ids[code],
                            *(
                                json.dumps(r[f], ensure_ascii=False) if f == "grades" else r[f]
                                for f in RECORD_FIELDS
                            ),
                            now,
                        )
                        for (code, _year), r in records.items()
                    ),
                    ["student", "year"],
                )
            return
        Student.objects.bulk_create(
            [Student(updated_at=now, **s) for s in students.values()],
            update_conflicts=True,
            unique_fields=["national_code"],
            update_fields=STUDENT_UPDATE,
        )
        ids = dict(
            Student.objects.filter(national_code__in=list(students)).values_list(
                "national_code", "id"
            )
        )
        AcademicRecord.objects.bulk_create(
            [
                AcademicRecord(student_id=ids[code], updated_at=now, **fields)
                for (code, _year), fields in records.items()
            ],
            update_conflicts=True,
            unique_fields=["student", "year"],
            update_fields=RECORD_UPDATE,
        )


def write_teacher_batch(batch: list[dict[str, Any]]) -> None:
    now = timezone.now()
    teachers = {t["national_code"]: t for t in batch}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                _pg_upsert(
                    cursor,
                    Teacher,
                    [*TEACHER_FIELDS, "updated_at"],
                    ((*(t[f] for f in TEACHER_FIELDS), now) for t in teachers.values()),
                    ["national_code"],
                )
            return
        Teacher.objects.bulk_create(
            [Teacher(updated_at=now, **t) for t in teachers.values()],
            update_conflicts=True,
            unique_fields=["national_code"],
            update_fields=TEACHER_UPDATE,
        )


# --- The import -------------------------------------------------------------------------


def error_file_for(path: Path) -> Path:
    return path.with_name(path.name + ".errors.csv")


def _write_errors(path: Path, errors: list[tuple[int, str, str]]) -> Path:
    target = error_file_for(path)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "column", "reason"])
        writer.writerows(errors)
    return target


def _counties() -> dict[str, int]:
    return dict(County.objects.values_list("sci_code", "id"))


def _run(
    path: Path,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    parse: Callable[[list[str], dict[str, int], dict[str, int]], Any],
    write: Callable[[list[Any]], None],
    progress: Any,
    batch_size: int,
) -> ImportResult:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("The file does not exist: %(path)s") % {"path": str(path)})
    table = read_table(path)
    header: list[str] | None = None
    for _line, cells in table:
        if any(cells):
            header = cells
            break
    if header is None:
        raise ImportFileError(_("The file is empty."))
    mapping, grades = _map_header(header, columns, required)
    result = ImportResult()
    batch: list[Any] = []
    for line, cells in table:
        if not any(cells):
            continue
        result.rows += 1
        try:
            batch.append(parse(cells, mapping, grades))
        except RowError as exc:
            result.errors.append((line, exc.column, exc.reason))
        if len(batch) >= batch_size:
            write(batch)
            result.imported += len(batch)
            batch = []
        if progress is not None:
            progress.update(1)
    if batch:
        write(batch)
        result.imported += len(batch)
    stale = error_file_for(path)
    if result.errors:
        result.error_file = _write_errors(path, result.errors)
    elif stale.exists():
        stale.unlink()  # an earlier run's errors no longer describe this file
    return result


def import_students(
    path: Path | str, *, progress: Any = None, batch_size: int = BATCH_SIZE
) -> ImportResult:
    counties = _counties()
    today = dt.date.today()

    def parse(cells: list[str], mapping: dict[str, int], grades: dict[str, int]) -> Any:
        return student_row(cells, mapping, grades, counties, today)

    return _run(
        Path(path),
        STUDENT_COLUMNS,
        STUDENT_REQUIRED,
        parse,
        write_student_batch,
        progress,
        batch_size,
    )


def import_teachers(
    path: Path | str, *, progress: Any = None, batch_size: int = BATCH_SIZE
) -> ImportResult:
    counties = _counties()
    today = dt.date.today()

    def parse(cells: list[str], mapping: dict[str, int], grades: dict[str, int]) -> Any:
        return teacher_row(cells, mapping, counties, today)

    return _run(
        Path(path),
        TEACHER_COLUMNS,
        TEACHER_REQUIRED,
        parse,
        write_teacher_batch,
        progress,
        batch_size,
    )


def progress_bar(stream: TextIO, description: str) -> Any:
    """A tqdm bar on a terminal; disabled (prints nothing) when the stream is not one."""
    from tqdm import tqdm

    return tqdm(
        desc=description,
        unit=" rows",
        file=stream,
        disable=not stream.isatty(),
        mininterval=0.5,
    )
