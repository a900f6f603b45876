"""Import students (with their academic records) and teachers from CSV or XLSX files.

Plain functions, used by the ``import-students``/``import-teachers`` commands, the tests and the
bench. Every row is validated whole before anything is written; valid rows are written in
batches, each batch one transaction, so a bad row never leaves half a student. Re-importing
updates in place: students and teachers by national code, records by (student, academic year).
Row errors go to ``<input>.errors.csv`` (line, column, reason). docs/education.md

How a large CSV goes fast (docs/education.md, "Speed"): the main process cuts the file into
chunks of whole lines (one chunk = one batch) and worker processes (``fork``) parse and validate
them into PostgreSQL COPY text, while the main process writes the previous batches; results are
taken in file order, so the outcome is the same as with no workers. A batch of new students is
COPYed straight into the tables (their ids drawn from the table's sequence); a batch that
touches rows already there goes through a temp table and ``INSERT … ON CONFLICT DO UPDATE``.
A large CSV into small tables is one transaction that sets the tables' secondary indexes and the
records' foreign key aside while it COPYs and puts them back at the end (bulkload.py).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import itertools
import json
import multiprocessing
import operator
import os
import re
import signal
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO

from django.db import (
    DatabaseError,
    IntegrityError,
    OperationalError,
    connection,
    models,
    transaction,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pishkhan.accounts.identity import ADULT_AGE, age_on
from pishkhan.core.identifiers import (
    IdentifierError,
    national_code_check_digit,
    normalize_national_code,
)
from pishkhan.core.jalali import JalaliDateError, parse_jalali_date
from pishkhan.core.models import County
from pishkhan.core.text import to_ascii_digits

from . import bulkload
from .models import AcademicRecord, Level, Student, Teacher

BATCH_SIZE = 5000
# Worker processes are worth their start-up (a fork each) from about this size of CSV on.
PARALLEL_MIN_BYTES = 2 << 20
# PostgreSQL: a CSV from this size on, into tables holding at most a student per BULK_BYTES of
# it (about as many as it has rows), is bulk-loaded (bulkload.py): rebuilding the indexes and
# checking the key over the whole tables then costs less than keeping them up row by row.
BULK_MIN_BYTES = 4 << 20
BULK_BYTES = 100

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
# The same, as the level's value (what the database keeps).
_LEVELS = {alias: str(level.value) for alias, level in LEVEL_ALIASES.items()}


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong type, damaged, missing columns)."""


def _width(model: type[models.Model], name: str) -> int:
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None
    return int(field.max_length)


# The text columns' widths, from the models (what the database would refuse).
STUDENT_LIMITS = {
    "first_name": _width(Student, "first_name"),
    "last_name": _width(Student, "last_name"),
    "school_code": _width(Student, "school_code"),
    "school_name": _width(Student, "school_name"),
    "field_of_study": _width(AcademicRecord, "field_of_study"),
    "diploma_number": _width(AcademicRecord, "diploma_number"),
}
TEACHER_LIMITS = {
    name: _width(Teacher, name)
    for name in ("first_name", "last_name", "personnel_code", "post", "workplace")
}


def too_long(limit: int) -> str:
    return _("This value is longer than %(limit)d characters.") % {"limit": limit}


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

Rows = Generator[tuple[int, list[str]], None, None]  # (line number, cells)


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


def read_table(path: Path) -> Rows:
    """(line number, cells) for every row, the header first. Raises ImportFileError."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv_rows(path, _csv_delimiter(path))
    if suffix == ".xlsx":
        return _read_xlsx(path)
    raise ImportFileError(_("The file must be a CSV or XLSX file."))


def _csv_delimiter(path: Path) -> str:
    """Comma, semicolon or tab, whichever the first line has most of. Refuses binary files."""
    with path.open("rb") as raw:
        head = raw.read(4096)
    if b"\x00" in head or head.startswith(b"PK\x03\x04"):
        raise ImportFileError(_("The file is not a CSV text file."))
    try:
        first_line = head.decode("utf-8-sig").splitlines()[0] if head else ""
    except UnicodeDecodeError:
        first_line = ""
    return max(",;\t", key=first_line.count)


def _csv_rows(path: Path, delimiter: str, offset: int = 0, line_before: int = 0) -> Rows:
    """(line number, stripped cells) of the CSV rows from a byte offset (a line start) on."""
    with path.open("rb") as raw:
        raw.seek(offset)
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig" if offset == 0 else "utf-8", newline="")
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            for cells in reader:
                yield line_before + reader.line_num, [c.strip() for c in cells]
        except UnicodeDecodeError as exc:
            raise ImportFileError(
                _("The CSV file is not UTF-8 text (line %(line)s).")
                % {"line": line_before + reader.line_num + 1}
            ) from exc
        except csv.Error as exc:
            raise ImportFileError(
                _("The CSV file is malformed at line %(line)s.")
                % {"line": line_before + reader.line_num}
            ) from exc


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


def _read_xlsx(path: Path) -> Rows:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except (*_XLSX_ERRORS, IndexError) as exc:
        raise ImportFileError(
            _("The XLSX file is damaged or truncated and cannot be read.")
        ) from exc

    def rows() -> Rows:
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


# --- CSV chunks ---------------------------------------------------------------------------
#
# A chunk is a run of whole physical lines: it starts where a CSV record starts and ends after
# a newline outside any quoted field (an even number of quote characters before it, which holds
# for files quoted as csv writes them). A worker that parses a chunk holding quotes checks that
# the chunk really ended between records; if not (stray quotes), or if the file ends its lines
# with a bare CR, the import goes on from that chunk with one sequential csv reader, as without
# chunks.


@dataclass(frozen=True)
class _Chunk:
    offset: int  # byte offset of its first line in the file
    line_before: int  # physical lines before it
    lines: int  # physical lines in it
    data: bytes
    ids: Sequence[int] | None = None  # ids for the chunk's new students (see _PgStudentWriter)


@dataclass(frozen=True)
class _Resume:
    """Read on from here with the sequential reader."""

    offset: int
    line_before: int


_SENTINEL = "\x1fpishkhan-chunk-end\x1f"


# Whitespace str.strip() removes, beyond space and the line ends: the other ASCII ones, and
# in UTF-8 the others (U+0085, U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000),
# which start with the bytes C2, E1, E2 or E3.
_ASCII_SPACE = [bytes([c]) for c in (9, 11, 12, 28, 29, 30, 31)]
_NOT_LEADS = bytes(c for c in range(256) if c not in (0xC2, 0xE1, 0xE2, 0xE3))
_E2_SPACE = re.compile(rb"\xe2(?:\x80[\x80-\x8a\xa8\xa9\xaf]|\x81\x9f)")


def _needs_strip(data: bytes, delimiter: str) -> bool:
    """Whether a cell of these (unquoted) lines may start or end with whitespace; when not,
    stripping them is skipped. Cheap checks, erring towards yes."""
    sep = delimiter.encode()
    if any(c in data for c in _ASCII_SPACE if c != sep):
        return True
    if (
        data.startswith(b" ")
        or data.endswith(b" ")
        or b" " + sep in data
        or sep + b" " in data
        or b" \n" in data
        or b"\n " in data
        or b" \r" in data
    ):
        return True
    leads = data.translate(None, _NOT_LEADS)
    if not leads:
        return False
    if b"\xe2" in leads and _E2_SPACE.search(data):
        return True
    return bool(
        (b"\xc2" in leads and (b"\xc2\x85" in data or b"\xc2\xa0" in data))
        or (b"\xe1" in leads and b"\xe1\x9a\x80" in data)
        or (b"\xe3" in leads and b"\xe3\x80\x80" in data)
    )


def _csv_chunks(
    path: Path,
    offset: int,
    line_before: int,
    lines_per_chunk: int,
    *,
    delimiter: str = ",",
    key: int | None = None,
) -> Iterator[_Chunk | _Resume]:
    """The chunks of the file from ``offset`` (after the header). With ``key`` (the national
    code's column), a chunk does not end between two rows of the same key (a student's years,
    listed together): the next batch would find that student already written."""
    sep = delimiter.encode()

    def key_of(line: bytes) -> bytes:
        cells = line.rstrip(b"\r\n").split(sep)
        return cells[key].strip() if key is not None and key < len(cells) else b""

    with path.open("rb") as handle:
        handle.seek(offset)
        buffer = b""
        eof = False

        def read_more() -> bool:
            nonlocal buffer, eof
            more = handle.read(1 << 20)
            if more:
                buffer += more
            else:
                eof = True
            return bool(more)

        seen_bytes = seen_lines = 0  # for the average line, to count lines in bulk
        while True:
            end = 0
            lines = 0
            while True:
                wanted = lines_per_chunk - lines
                if wanted > 100 and seen_lines:
                    # Most of the lines still wanted, by their average length, counted at once.
                    guess = end + seen_bytes * wanted * 19 // (seen_lines * 20)
                    if guess >= len(buffer) and not eof:
                        read_more()
                        continue
                    cut = buffer.rfind(b"\n", end, guess) + 1
                    if cut > end:
                        lines += buffer.count(b"\n", end, cut)
                        end = cut
                        continue
                newline = buffer.find(b"\n", end)
                if newline < 0:
                    if eof:
                        break
                    read_more()
                    continue
                end = newline + 1
                lines += 1
                if lines >= lines_per_chunk and not buffer.count(b'"', 0, end) % 2:
                    break
            if (
                eof
                and end < len(buffer)
                and (lines < lines_per_chunk or buffer.count(b'"', 0, end) % 2)
            ):
                end = len(buffer)  # the last line, without a newline
                lines += 1
            while key is not None and end:
                following = buffer.find(b"\n", end)
                if following < 0 and not eof:
                    read_more()
                    continue
                if end >= len(buffer):
                    break  # nothing follows
                if following < 0:
                    following = len(buffer) - 1  # the last line, without a newline
                last = buffer[buffer.rfind(b"\n", 0, end - 1) + 1 : end]
                after = buffer[end : following + 1]
                if b'"' in last + after or not key_of(last) or key_of(last) != key_of(after):
                    break
                end = following + 1
                lines += 1
            if end == 0:
                return
            data = buffer[:end]
            if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
                yield _Resume(offset, line_before)  # bare CR line ends: csv counts them as lines
                return
            yield _Chunk(offset, line_before, lines, data)
            seen_bytes += end
            seen_lines += lines
            buffer = buffer[end:]
            offset += end
            line_before += lines


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


# The weighted digit sums of the national code's check digit, three digits at a time.
_CODE_WEIGHTS = [
    {
        f"{n:03d}": sum(int(d) * w for d, w in zip(f"{n:03d}", weights, strict=True))
        for n in range(1000)
    }
    for weights in ((10, 9, 8), (7, 6, 5), (4, 3, 2))
]
_CODE_CHECK = [str(r if r < 2 else 11 - r) for r in range(11)]


def _fast_national_code(column: str, value: str) -> str:
    """national_code(), quicker for ten ASCII digits (the whole of a normal file)."""
    if len(value) == 10:
        first, second, third = _CODE_WEIGHTS
        try:
            total = first[value[:3]] + second[value[3:6]] + third[value[6:9]]
        except KeyError:
            pass
        else:
            if value[9] == _CODE_CHECK[total % 11] and value != value[0] * 10:
                return value
    return national_code(column, value)


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


def mean_grade(total: int, count: int) -> str:
    """The mean of ``count`` grades summing to ``total`` hundredths, rounded half to even to two
    decimals: ``(Decimal(total) / 100 / count).quantize(Decimal("0.01"))``, in integers."""
    quotient, remainder = divmod(total, count)
    if 2 * remainder > count or (2 * remainder == count and quotient % 2):
        quotient += 1
    return f"{quotient // 100}.{quotient % 100:02d}"


def _county(column: str, value: str, counties: dict[str, int]) -> int | None:
    if not value:
        return None
    county_id = counties.get(to_ascii_digits(value).strip())
    if county_id is None:
        raise RowError(column, _("Unknown county code."))
    return county_id


NULL = "\\N"  # COPY's null


def _copy_text(value: str) -> str:
    """A value as a field of PostgreSQL's COPY text format."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


# --- Batches ----------------------------------------------------------------------------


def _getter(indexes: list[int]) -> Callable[[Sequence[str]], tuple[str, ...]]:
    """The items at these indexes, as a tuple (itemgetter, also for one index)."""
    if len(indexes) == 1:
        (index,) = indexes
        return lambda cells: (cells[index],)
    return operator.itemgetter(*indexes)


@dataclass
class _Batch:
    """One batch of rows, parsed: what to write, and what was wrong."""

    rows: int = 0  # non-blank rows read
    valid: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    # Students: COPY text (bytes) of the students and of their records (_StudentParser).
    # Teachers: a list of dicts.
    people: Any = b""
    records: bytes = b""
    codes: str = ""  # the students' national codes, comma-separated
    ids: bool = False  # the student lines carry ids drawn from the table's sequence
    failure: str = ""  # the file cannot be read from this batch on (ImportFileError)
    resume: _Resume | None = None  # the chunk was not cut between records


Lines = Callable[[int], int]  # the file's line of the k-th row of a batch


class _Parser:
    """Turns rows into a _Batch. One per import; worker processes get a copy (fork)."""

    def __init__(self, delimiter: str = ",") -> None:
        self.delimiter = delimiter

    def parse(
        self,
        rows: Iterable[list[str]],
        line: Lines,
        ids: Sequence[int] | None,
        *,
        escape: bool,
        strip: bool = True,
    ) -> _Batch:
        """The batch of ``rows`` (raw cells)."""
        raise NotImplementedError

    def parse_rows(self, rows: list[tuple[int, list[str]]], ids: Sequence[int] | None) -> _Batch:
        numbers = [number for number, _cells in rows]
        return self.parse([cells for _number, cells in rows], numbers.__getitem__, ids, escape=True)

    def parse_chunk(self, chunk: _Chunk) -> _Batch:
        try:
            text = chunk.data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = chunk.line_before + 1 + chunk.data.count(b"\n", 0, exc.start)
            return _Batch(
                failure=_("The CSV file is not UTF-8 text (line %(line)s).") % {"line": line}
            )
        if "\x00" in text:
            return _Batch(failure=_("The file is not a CSV text file."))
        base = chunk.line_before
        escape = "\\" in text or (self.delimiter != "\t" and "\t" in text)
        if '"' not in text:
            # No quotes: every line is a record and its cells are the line split at the
            # delimiter, exactly as csv reads it; str.split does it faster.
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            lines = text.split("\n")
            if not lines[-1]:
                lines.pop()
            return self.parse(
                map(str.split, lines, itertools.repeat(self.delimiter)),
                lambda k: base + k + 1,
                chunk.ids,
                escape=escape,
                strip=_needs_strip(chunk.data, self.delimiter),
            )
        # A chunk with quotes gets a last line of its own: if csv reads it as a row of its own,
        # the chunk ended between records.
        verify = text.endswith("\n")
        lines_in: Iterable[str] = io.StringIO(text, newline="")
        if verify:
            lines_in = itertools.chain(lines_in, [_SENTINEL + "\n"])
        reader = csv.reader(lines_in, delimiter=self.delimiter)
        clean = True

        def verified() -> Iterator[list[str]]:
            nonlocal clean
            for cells in reader:
                if reader.line_num > chunk.lines:
                    clean = cells == [_SENTINEL]
                    return
                yield cells

        try:
            batch = self.parse(
                verified() if verify else reader,
                lambda k: base + reader.line_num,
                chunk.ids,
                escape=True,
            )
        except csv.Error:
            clean = False  # read again sequentially, which reports it with its line
        if not clean:
            return _Batch(resume=_Resume(chunk.offset, chunk.line_before))
        return batch


class _StudentParser(_Parser):
    """Students: each valid row becomes a student line and a record line in COPY text, the
    columns of _PgStudentWriter.STUDENT_COLUMNS and RECORD_COLUMNS, the last row of a student (of
    a student and year) winning within the batch. New students take the ids the batch was
    given, in order; without ids they are numbered 1, 2, … within the batch (the records refer
    to their student by that number) and the writer stages them."""

    def __init__(
        self,
        mapping: dict[str, int],
        grade_columns: dict[str, int],
        counties: dict[str, int],
        today: dt.date,
        *,
        delimiter: str = ",",
    ) -> None:
        super().__init__(delimiter)
        self.width = max([*mapping.values(), *grade_columns.values()]) + 1
        # A column the file does not have reads the empty cell appended after the last one.
        self.index = {name: mapping.get(name, self.width) for name in STUDENT_COLUMNS}
        self.grade_columns = [
            (index, f"grade:{subject}", _copy_text(json.dumps(subject, ensure_ascii=False)))
            for subject, index in grade_columns.items()
        ]
        indexes = [index for index, _column, _key in self.grade_columns]
        self.grade_cells: Callable[[list[str]], tuple[str, ...]] | None = (
            _getter(indexes) if indexes else None
        )
        # Which grade cells are empty -> (the others' getter, their columns); a level's rows
        # share one pattern (the subjects it has).
        self.grade_plans: dict[tuple[bool, ...], Any] = {}
        self.counties = counties
        self.today = today
        self.births: dict[str, tuple[str, bool, bool] | str] = {}
        # raw grade -> (two-decimal grade, hundredths, ': "<grade>"' for the JSON); valid only
        self.grades: dict[str, tuple[str, int, str]] = {}
        self.years: dict[str, str] = {}

    def _birth(self, value: str) -> tuple[str, bool, bool]:
        """(ISO date, in the future, a minor's); cached per import."""
        known = self.births.get(value)
        if known is None:
            parsed = _parse_date(value)
            if isinstance(parsed, str):
                known = parsed
            else:
                known = (
                    parsed.isoformat(),
                    parsed > self.today,
                    age_on(parsed, self.today) < ADULT_AGE,
                )
            if len(self.births) > 100_000:
                self.births.clear()
            self.births[value] = known
        if isinstance(known, str):
            raise RowError("birth_date", _(known))
        return known

    def _grade(self, column: str, value: str) -> tuple[str, int, str]:
        known = self.grades.get(value)
        if known is None:
            grade, error = _parse_grade(value)
            if error:
                raise RowError(column, _(error))
            known = (grade, int(grade.replace(".", "")), f': "{grade}"')
            if len(self.grades) > 100_000:
                self.grades.clear()
            self.grades[value] = known
        return known

    def _grade_plan(self, empty: tuple[bool, ...]) -> Any:
        """(getter of the non-empty grade cells from all the grade cells, their columns)."""
        chosen = [k for k, is_empty in enumerate(empty) if not is_empty]
        plan = (
            _getter(chosen) if chosen else None,
            [self.grade_columns[k] for k in chosen],
            [self.grade_columns[k][2] for k in chosen],
        )
        self.grade_plans[empty] = plan
        return plan

    def _year(self, value: str) -> str:
        year = value[:4]
        if not year.isdigit():
            year = to_ascii_digits(year)
        if not year.isdigit() or not 1300 <= int(year) <= 1500:
            raise RowError("year", _("The academic year must be a Jalali year such as 1403."))
        year = str(int(year))
        if len(self.years) < 10_000:
            self.years[value] = year
        return year

    def parse(
        self,
        rows: Iterable[list[str]],
        line: Lines,
        ids: Sequence[int] | None,
        *,
        escape: bool,
        strip: bool = True,
    ) -> _Batch:
        now = timezone.now().isoformat()
        errors: list[tuple[int, str, str]] = []
        student_ids: dict[str, str] = {}
        people: dict[str, str] = {}
        records: dict[tuple[str, str], str] = {}
        read = valid = 0
        width = self.width
        index = self.index
        i_code, i_first, i_last = index["national_code"], index["first_name"], index["last_name"]
        i_birth, i_parent = index["birth_date"], index["parent_national_code"]
        i_county, i_school_code = index["county"], index["school_code"]
        i_school_name, i_year, i_level = index["school_name"], index["year"], index["level"]
        i_field, i_gpa = index["field_of_study"], index["gpa"]
        i_diploma_number, i_diploma_date = index["diploma_number"], index["diploma_date"]
        # The database's column widths: a longer value is the row's error, not the batch's.
        limits = [(name, index[name], STUDENT_LIMITS[name]) for name in STUDENT_LIMITS]
        grade_cells, grade_plans = self.grade_cells, self.grade_plans
        is_empty = operator.not_
        counties, births, known_grades, years = self.counties, self.births, self.grades, self.years
        known_grade = known_grades.get
        hundredths: Callable[[Any], int] = operator.itemgetter(1)
        json_value: Callable[[Any], str] = operator.itemgetter(2)
        first_weights, second_weights, third_weights = _CODE_WEIGHTS
        check_digits = _CODE_CHECK
        upper = str(Level.UPPER_SECONDARY.value)
        for k, raw in enumerate(rows):
            cells = list(map(str.strip, raw)) if strip else raw
            if not any(cells):
                continue
            read += 1
            if len(cells) != width:
                cells = (cells + [""] * width)[:width]
            cells.append("")
            try:
                first_name, last_name = cells[i_first], cells[i_last]
                if not first_name:
                    raise RowError("first_name", _("This column must not be empty."))
                if not last_name:
                    raise RowError("last_name", _("This column must not be empty."))
                code = cells[i_code]
                try:  # ten ASCII digits with the right check digit: all of a normal file
                    fast = (
                        code[9]
                        == check_digits[
                            (
                                first_weights[code[:3]]
                                + second_weights[code[3:6]]
                                + third_weights[code[6:9]]
                            )
                            % 11
                        ]
                        and len(code) == 10
                        and code.count(code[0]) < 10
                    )
                except (KeyError, IndexError):
                    fast = False
                if not fast:
                    code = national_code("national_code", code)
                text = cells[i_birth]
                if not text:
                    raise RowError("birth_date", _("This column must not be empty."))
                birth = births.get(text)
                if birth is None or isinstance(birth, str):
                    birth = self._birth(text)
                if birth[1]:
                    raise RowError("birth_date", _("The birth date is in the future."))
                parent = cells[i_parent]
                if parent:
                    parent = _fast_national_code("parent_national_code", parent)
                    if parent == code:
                        raise RowError(
                            "parent_national_code",
                            _("The parent's national code is the student's own."),
                        )
                elif birth[2]:
                    raise RowError(
                        "parent_national_code",
                        _("The parent's national code is required for a minor."),
                    )
                text = cells[i_county]
                if text:
                    county_id = counties.get(text)
                    if county_id is None:
                        county_id = _county("county", text, counties)
                    county = str(county_id)
                else:
                    county = NULL
                text = cells[i_year]
                year = years.get(text) or self._year(text)
                text = cells[i_level]
                level = _LEVELS.get(text) or _LEVELS.get(_header_key(text))
                if level is None:
                    raise RowError(
                        "level",
                        _("Unknown level: use primary, lower_secondary or upper_secondary."),
                    )
                field_of_study = cells[i_field]
                if level == upper and not field_of_study:
                    raise RowError(
                        "field_of_study", _("Upper secondary records need a field of study.")
                    )
                count = total = 0
                grades = ""
                if grade_cells is not None:
                    texts = grade_cells(cells)
                    empty = tuple(map(is_empty, texts))
                    plan = grade_plans.get(empty) or self._grade_plan(empty)
                    if plan[0] is not None:
                        texts = plan[0](texts)
                        found: list[Any] = list(map(known_grade, texts))
                        count = len(found)
                        if not all(found):  # a grade not seen yet, or not a grade
                            found = [
                                known_grade(text) or self._grade(column, text)
                                for text, (_i, column, _key) in zip(texts, plan[1], strict=True)
                            ]
                        total = sum(map(hundredths, found))
                        grades = ", ".join(map(operator.add, plan[2], map(json_value, found)))
                text = cells[i_gpa]
                if text:
                    mean = (known_grade(text) or self._grade("gpa", text))[0]
                elif count:
                    mean = mean_grade(total, count)
                else:
                    mean = NULL
                text = cells[i_diploma_date]
                if text:
                    diploma = _parse_date(text)
                    if isinstance(diploma, str):
                        raise RowError("diploma_date", _(diploma))
                    diploma_date = diploma.isoformat()
                else:
                    diploma_date = NULL
                for column, position, limit in limits:
                    if len(cells[position]) > limit:
                        raise RowError(column, too_long(limit))
            except RowError as exc:
                errors.append((line(k), exc.column, exc.reason))
                continue
            valid += 1
            school_code, school_name = cells[i_school_code], cells[i_school_name]
            diploma_number = cells[i_diploma_number]
            if escape:
                first_name, last_name = _copy_text(first_name), _copy_text(last_name)
                school_code, school_name = _copy_text(school_code), _copy_text(school_name)
                field_of_study = _copy_text(field_of_study)
                diploma_number = _copy_text(diploma_number)
            student = student_ids.get(code)
            if student is None:
                number = len(student_ids)
                student = student_ids[code] = str(ids[number] if ids else number + 1)
            people[code] = (
                f"{student}\t{code}\t{first_name}\t{last_name}\t{birth[0]}\t{parent}\t"
                f"{school_code}\t{school_name}\t{county}\t{now}\n"
            )
            records[(student, year)] = (
                f"{student}\t{year}\t{level}\t{field_of_study}\t{school_code}\t{school_name}\t"
                f"{{{grades}}}\t{mean}\t{diploma_number}\t{diploma_date}\t{now}\n"
            )
        return _Batch(
            rows=read,
            valid=valid,
            errors=errors,
            people="".join(people.values()).encode(),
            records="".join(records.values()).encode(),
            codes=",".join(people),
            ids=ids is not None,
        )


def teacher_row(
    cells: list[str], columns: dict[str, int], counties: dict[str, int], today: dt.date
) -> dict[str, Any]:
    def get(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    for name in ("first_name", "last_name", "post", "workplace"):
        if not get(name):
            raise RowError(name, _("This column must not be empty."))
    for name, limit in TEACHER_LIMITS.items():
        if len(get(name)) > limit:
            raise RowError(name, too_long(limit))
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


class _TeacherParser(_Parser):
    def __init__(
        self,
        mapping: dict[str, int],
        counties: dict[str, int],
        today: dt.date,
        *,
        delimiter: str = ",",
    ) -> None:
        super().__init__(delimiter)
        self.mapping = mapping
        self.counties = counties
        self.today = today

    def parse(
        self,
        rows: Iterable[list[str]],
        line: Lines,
        ids: Sequence[int] | None,
        *,
        escape: bool,
        strip: bool = True,
    ) -> _Batch:
        batch = _Batch(people=[])
        for k, raw in enumerate(rows):
            cells = [c.strip() for c in raw]
            if not any(cells):
                continue
            batch.rows += 1
            try:
                batch.people.append(teacher_row(cells, self.mapping, self.counties, self.today))
            except RowError as exc:
                batch.errors.append((line(k), exc.column, exc.reason))
        batch.valid = len(batch.people)
        return batch


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
) -> None:
    """PostgreSQL: COPY the rows into a temp table, then one INSERT … ON CONFLICT DO UPDATE
    of every other column. The rows must be unique on the conflict columns."""
    table = model._meta.db_table
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
    )


class _Writer:
    def session(self, size: int) -> contextlib.AbstractContextManager[None]:
        """Around the writing of all the batches of an import; ``size``: the bytes of a CSV's
        rows (0 for XLSX)."""
        return contextlib.nullcontext()

    def ids(self, count: int) -> Sequence[int] | None:
        """Ids for up to ``count`` new students of a batch about to be parsed, if wanted."""
        return None

    def write(self, batch: _Batch) -> None:
        raise NotImplementedError


# The columns of the student and record lines _StudentParser makes.
STUDENT_COLUMNS_COPY = [
    "id",
    "national_code",
    "first_name",
    "last_name",
    "birth_date",
    "parent_national_code",
    "school_code",
    "school_name",
    "county",
    "updated_at",
]
RECORD_COLUMNS_COPY = [
    "student",
    "year",
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


class _PgStudentWriter(_Writer):
    """Writes parsed student batches to PostgreSQL, each in one transaction.

    A batch of new students whose lines carry ids from the students' sequence is COPYed
    straight into the two tables: nothing is staged, and PostgreSQL does what its own COPY of
    the rows would. Batches get such ids (``fresh``) until a batch meets a student already in
    the table, and again once a batch finds none of its students there. Any other batch goes
    into two temp tables and from there into the tables by ``INSERT … ON CONFLICT DO UPDATE``,
    the records joined to their students by national code; so does a batch whose direct COPY
    met a conflict (a concurrent import), from its start: it is one transaction either way.
    """

    STAGE_STUDENTS = "education_import_students"
    STAGE_RECORDS = "education_import_records"

    def __init__(self, bulk: bool | None = None) -> None:
        self.bulk = bulk  # None: when the file is large and the tables small; False: never
        self.aside: bulkload.SetAside | None = None  # during a bulk load: what it set aside
        self.seen: set[str] = set()  # during a bulk load: the national codes in the tables
        self.fresh = True
        self.students = Student._meta.db_table
        self.records = AcademicRecord._meta.db_table
        self.student_columns = [_column(Student, name) for name in STUDENT_COLUMNS_COPY]
        self.record_columns = [_column(AcademicRecord, name) for name in RECORD_COLUMNS_COPY]
        self.code = _column(Student, "national_code")
        self.sequence = ""
        self.staged = False

    def ids(self, count: int) -> Sequence[int] | None:
        if not self.fresh:
            return None
        with connection.cursor() as cursor:
            if not self.sequence:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)",
                    [self.students, self.student_columns[0]],
                )
                self.sequence = cursor.fetchone()[0]
            # Usually one run of numbers (nobody else drew from the sequence meanwhile): then
            # only its ends travel.
            cursor.execute(
                "SELECT min(n), max(n), CASE WHEN max(n) - min(n) + 1 <> count(*) "
                "THEN array_agg(n) END FROM "
                "(SELECT nextval(%s::regclass) AS n FROM generate_series(1, %s)) AS drawn",
                [self.sequence, count],
            )
            low, high, scattered = cursor.fetchone()
            return range(low, high + 1) if scattered is None else list(scattered)

    @contextlib.contextmanager
    def session(self, size: int) -> Iterator[None]:
        """A bulk load when it is worth it (BULK_MIN_BYTES) and possible: the whole import one
        transaction, the tables' secondary indexes and the records' foreign key set aside
        meanwhile (bulkload.py). Input that becomes unreadable half-way keeps the batches
        before it, as on the ordinary path; any other failure rolls the whole load back."""
        if self.bulk is False or (self.bulk is None and size < BULK_MIN_BYTES):
            yield
            return
        try:
            with transaction.atomic():
                if not self._start_bulk(max(size // BULK_BYTES, 1)):
                    raise _NoBulk
                unreadable: ImportFileError | None = None
                try:
                    yield
                except ImportFileError as exc:
                    unreadable = exc
                self._end_bulk()
            if unreadable is not None:
                raise unreadable
        except _NoBulk:
            yield
        finally:
            self.aside = None
            self.seen = set()

    def _start_bulk(self, limit: int) -> bool:
        """Locks the tables and sets their indexes and key aside, if they hold at most
        ``limit`` students and the locks come in time."""
        tables = [self.students, self.records]
        with connection.cursor() as cursor:
            # Counted before locking too: a large table is not locked for nothing.
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {self.students} LIMIT %s) AS s", [limit + 1]
            )
            if cursor.fetchone()[0] > limit:
                return False
            try:
                with transaction.atomic():  # a savepoint: a lock not granted aborts it
                    bulkload.lock(cursor, tables)
            except OperationalError:
                return False
            cursor.execute(f"SELECT {self.code} FROM {self.students} LIMIT %s", [limit + 1])
            seen = {code for (code,) in cursor.fetchall()}
            if len(seen) > limit:
                return False
            try:
                with transaction.atomic():
                    aside = bulkload.inspect(cursor, tables)
                    bulkload.set_aside(cursor, aside)
            except DatabaseError:
                # e.g. checks deferred to the commit pending on a table (the caller's own
                # transaction wrote to it): the ordinary path works where this does not.
                return False
        self.aside, self.seen = aside, seen
        return True

    def _end_bulk(self) -> None:
        """The indexes and the key back: from here on batches are written the ordinary way
        (inside the load's transaction, each in a savepoint)."""
        if self.aside is not None:
            aside, self.aside, self.seen = self.aside, None, set()
            with connection.cursor() as cursor:
                bulkload.put_back(cursor, aside)

    def write(self, batch: _Batch) -> None:
        if not batch.valid:
            return
        if self.aside is not None:
            codes = batch.codes.split(",")
            if batch.ids and self.seen.isdisjoint(codes):
                # New students, their ids the sequence's: nothing in the tables can conflict.
                self.seen.update(codes)
                self._copy(batch)
                return
            # A student the tables hold already (a re-import, a student's rows far apart in
            # the file): the indexes are needed to find it.
            self._end_bulk()
        if batch.ids:
            if self.fresh or not self._any_exists(batch.codes):
                try:
                    with transaction.atomic():
                        self._copy(batch)
                    self.fresh = True
                    return
                except (IntegrityError, _psycopg_integrity_error()):
                    pass  # a student is there after all: stage the batch
            self.fresh = False
        elif not self._any_exists(batch.codes):
            self.fresh = True  # new students again: the next batches get ids
        with transaction.atomic():
            self._upsert(batch)

    def _any_exists(self, codes: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {self.students} "
                f"WHERE {self.code} = ANY(string_to_array(%s, ',')) LIMIT 1",
                [codes],
            )
            return cursor.fetchone() is not None

    def _copy(self, batch: _Batch) -> None:
        with connection.cursor() as cursor:
            for table, columns, data in (
                (self.students, self.student_columns, batch.people),
                (self.records, self.record_columns, batch.records),
            ):
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    copy.write(data)

    def _upsert(self, batch: _Batch) -> None:
        students, records = self.STAGE_STUDENTS, self.STAGE_RECORDS
        student_id, *student_columns, student_updated = self.student_columns
        record_student, *record_columns, record_updated = self.record_columns
        with connection.cursor() as cursor:
            if not self.staged:
                for stage, table, names in (
                    (students, self.students, self.student_columns),
                    (records, self.records, self.record_columns),
                ):
                    cursor.execute(
                        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS "
                        f"SELECT {', '.join(names)} FROM {table} WITH NO DATA"
                    )
                self.staged = True
            cursor.execute(f"TRUNCATE {students}, {records}")
            with cursor.cursor.copy(f"COPY {students} FROM STDIN") as copy:
                copy.write(batch.people)
            with cursor.cursor.copy(f"COPY {records} FROM STDIN") as copy:
                copy.write(batch.records)
            now = timezone.now()
            columns = ", ".join(student_columns)
            updates = ", ".join(
                f"{c} = EXCLUDED.{c}" for c in [*student_columns, student_updated] if c != self.code
            )
            cursor.execute(
                f"INSERT INTO {self.students} ({columns}, {student_updated}) "
                f"SELECT {columns}, %s FROM {students} "
                f"ON CONFLICT ({self.code}) DO UPDATE SET {updates}",
                [now],
            )
            year = _column(AcademicRecord, "year")
            columns = ", ".join(record_columns)
            updates = ", ".join(
                f"{c} = EXCLUDED.{c}" for c in [*record_columns, record_updated] if c != year
            )
            cursor.execute(
                f"INSERT INTO {self.records} ({record_student}, {columns}, {record_updated}) "
                f"SELECT s.{student_id}, "
                + ", ".join(f"r.{c}" for c in record_columns)
                + f", %s FROM {records} r "
                f"JOIN {students} t ON t.{student_id} = r.{record_student} "
                f"JOIN {self.students} s ON s.{self.code} = t.{self.code} "
                f"ON CONFLICT ({record_student}, {year}) DO UPDATE SET {updates}",
                [now],
            )


def _psycopg_integrity_error() -> type[Exception]:
    import psycopg

    return psycopg.IntegrityError


_UNESCAPE = {"t": "\t", "n": "\n", "r": "\r"}


def _from_copy(value: str) -> str | None:
    """A field of COPY text as it was (None for COPY's null)."""
    if value == NULL:
        return None
    if "\\" not in value:
        return value
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m[1], m[1]), value)


def _copy_lines(data: bytes) -> Iterator[list[str | None]]:
    for line in data.decode().split("\n")[:-1]:
        yield [_from_copy(value) for value in line.split("\t")]


class _OrmStudentWriter(_Writer):
    """Other databases (SQLite): the same lines, through the ORM's bulk upserts, one
    transaction per batch."""

    def write(self, batch: _Batch) -> None:
        if not batch.valid:
            return
        now = timezone.now()
        students: dict[str | None, Student] = {}
        for number, code, first, last, birth, parent, school, name, county, _at in _copy_lines(
            batch.people
        ):
            assert code and first and last and birth
            students[number] = Student(
                national_code=code,
                first_name=first,
                last_name=last,
                birth_date=dt.date.fromisoformat(birth),
                parent_national_code=parent or "",
                school_code=school or "",
                school_name=name or "",
                county_id=None if county is None else int(county),
                updated_at=now,
            )
        records = []
        for values in _copy_lines(batch.records):
            number, year, level, field_of_study, school, name, grades, gpa, diploma, date, _at = (
                values
            )
            assert year and level and grades
            record = AcademicRecord(
                year=int(year),
                level=level,
                field_of_study=field_of_study or "",
                school_code=school or "",
                school_name=name or "",
                grades=json.loads(grades),
                gpa=None if gpa is None else Decimal(gpa),
                diploma_number=diploma or "",
                diploma_date=None if date is None else dt.date.fromisoformat(date),
                updated_at=now,
            )
            records.append((students[number].national_code, record))
        with transaction.atomic():
            Student.objects.bulk_create(
                list(students.values()),
                update_conflicts=True,
                unique_fields=["national_code"],
                update_fields=STUDENT_UPDATE,
            )
            ids = dict(
                Student.objects.filter(
                    national_code__in=[s.national_code for s in students.values()]
                ).values_list("national_code", "id")
            )
            for code, record in records:
                record.student_id = ids[code]
            AcademicRecord.objects.bulk_create(
                [record for _code, record in records],
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


class _TeacherWriter(_Writer):
    def write(self, batch: _Batch) -> None:
        if batch.people:
            write_teacher_batch(batch.people)


# --- Worker processes ---------------------------------------------------------------------

_worker: tuple[_Parser, Any] | None = None  # the parser, and the file open for reading


def _start_worker(parser: _Parser, path: Path, language: str) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _worker = (parser, path.open("rb"))
    translation.activate(language)


def _parse_in_worker(chunk: _Chunk, size: int) -> _Batch:
    """Parses a chunk, reading its ``size`` bytes from the file itself (they need not travel
    through a pipe)."""
    assert _worker is not None
    parser, source = _worker
    source.seek(chunk.offset)
    return parser.parse_chunk(replace(chunk, data=source.read(size)))


def default_workers() -> int:
    """Worker processes for a large CSV: a core each, but one core is PostgreSQL's (the main
    process mostly waits for it). A worker parses a row in about half the time PostgreSQL takes
    to write it, so more would only take CPU from it."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores - 1, 4))


class _Pool:
    """Parses chunks in worker processes, handing the batches back in file order, a few
    chunks ahead of the writing (so memory stays bounded).

    A ``ProcessPoolExecutor``, not a ``multiprocessing.Pool``: when a worker dies (killed, out of
    memory) the executor fails every waiting result with ``BrokenProcessPool`` — the import stops
    with an error — where a ``Pool`` would wait for the lost result for ever."""

    def __init__(self, parser: _Parser, path: Path, workers: int) -> None:
        self.pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(parser, path, translation.get_language()),
        )
        self.ahead = 2 * workers

    def map(self, chunks: Iterator[_Chunk | _Resume]) -> Iterator[tuple[_Chunk | _Resume, Any]]:
        pending: deque[tuple[_Chunk | _Resume, Future[Any] | None]] = deque()
        for chunk in chunks:
            if isinstance(chunk, _Resume):
                pending.append((chunk, None))
            else:
                task = (replace(chunk, data=b""), len(chunk.data))
                pending.append((chunk, self.pool.submit(_parse_in_worker, *task)))
            while len(pending) > self.ahead:
                item, waiting = pending.popleft()
                yield item, None if waiting is None else waiting.result()
        while pending:
            item, waiting = pending.popleft()
            yield item, None if waiting is None else waiting.result()

    def close(self, *, finished: bool) -> None:
        self.pool.shutdown(wait=True, cancel_futures=not finished)


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


def _csv_header(path: Path, delimiter: str) -> tuple[list[str] | None, int, int | None]:
    """The header (the first row with a cell), its line, and the byte offset after it; read a
    line at a time, so that a byte that is not UTF-8 further on is reported at its own line. The
    offset is None when the file ends its lines with a bare CR: csv counts those as lines, so
    only its sequential reader numbers them right."""
    with path.open("rb") as handle:
        number = 0

        def lines() -> Iterator[str]:
            nonlocal number
            for raw in handle:
                number += 1
                if b"\r" in raw.removesuffix(b"\n").removesuffix(b"\r"):
                    raise _BareCR
                try:
                    yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError as exc:
                    raise ImportFileError(
                        _("The CSV file is not UTF-8 text (line %(line)s).") % {"line": number}
                    ) from exc

        try:
            for cells in csv.reader(lines(), delimiter=delimiter):
                header = [c.strip() for c in cells]
                if any(header):
                    return header, number, handle.tell()
        except _BareCR:
            pass
        except csv.Error as exc:
            raise ImportFileError(
                _("The CSV file is malformed at line %(line)s.") % {"line": number}
            ) from exc
    return None, 0, None


class _BareCR(Exception):
    pass


class _NoBulk(Exception):
    """The tables are too large for a bulk load, or their locks did not come in time."""


def _run(
    path: Path,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    make_parser: Callable[[dict[str, int], dict[str, int], str], _Parser],
    writer: _Writer,
    progress: Any,
    batch_size: int,
    workers: int | None,
) -> ImportResult:
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(_("The file does not exist: %(path)s") % {"path": str(path)})
    suffix = path.suffix.lower()
    delimiter = ","
    header: list[str] | None = None
    header_line = 0
    offset: int | None = None  # where a CSV's rows start, for the chunks
    table: Rows | None = None
    if suffix == ".csv":
        delimiter = _csv_delimiter(path)
        header, header_line, offset = _csv_header(path, delimiter)
    if offset is None:  # XLSX, or a CSV for the sequential reader
        table = read_table(path)
        for line, cells in table:
            if any(cells):
                header, header_line = cells, line
                break
    if header is None:
        raise ImportFileError(_("The file is empty."))
    mapping, grades = _map_header(header, columns, required)
    parser = make_parser(mapping, grades, delimiter)
    result = ImportResult()

    def take(batch: _Batch) -> None:
        if batch.failure:
            raise ImportFileError(batch.failure)
        result.rows += batch.rows
        result.errors.extend(batch.errors)
        if batch.valid:
            writer.write(batch)
            result.imported += batch.valid
        if progress is not None:
            progress.update(batch.rows)

    def sequential(rows: Iterator[tuple[int, list[str]]]) -> None:
        while group := list(itertools.islice(rows, batch_size)):
            take(parser.parse_rows(group, writer.ids(len(group))))

    # The bytes of a CSV's rows, for the writer to choose its way (0: XLSX, a bare-CR CSV).
    size = 0 if offset is None else path.stat().st_size - offset
    with writer.session(size):
        if table is not None:
            sequential(table)
        else:
            assert offset is not None
            if workers is None:
                workers = (
                    default_workers()
                    if path.stat().st_size >= PARALLEL_MIN_BYTES
                    and "fork" in multiprocessing.get_all_start_methods()
                    else 0
                )

            def with_ids(chunks: Iterator[_Chunk | _Resume]) -> Iterator[_Chunk | _Resume]:
                for chunk in chunks:  # ids drawn as the chunk is handed out, in file order
                    if isinstance(chunk, _Chunk):
                        ids = writer.ids(chunk.lines)
                        if ids is not None:
                            chunk = replace(chunk, ids=ids)
                    yield chunk

            chunks = with_ids(
                _csv_chunks(
                    path,
                    offset,
                    header_line,
                    batch_size,
                    delimiter=delimiter,
                    key=mapping.get("national_code"),
                )
            )
            pool = _Pool(parser, path, workers) if workers > 0 else None
            resume: _Resume | None = None
            finished = False
            try:
                parsed: Iterator[tuple[_Chunk | _Resume, Any]] = (
                    pool.map(chunks)
                    if pool is not None
                    else (
                        (chunk, None if isinstance(chunk, _Resume) else parser.parse_chunk(chunk))
                        for chunk in chunks
                    )
                )
                for item, batch in parsed:
                    resume = item if isinstance(item, _Resume) else batch.resume
                    if resume is not None:
                        break
                    take(batch)
                finished = True
            finally:
                if pool is not None:
                    pool.close(finished=finished and resume is None)
            if resume is not None:
                sequential(_csv_rows(path, delimiter, resume.offset, resume.line_before))
    stale = error_file_for(path)
    if result.errors:
        result.error_file = _write_errors(path, result.errors)
    elif stale.exists():
        stale.unlink()  # an earlier run's errors no longer describe this file
    return result


def import_students(
    path: Path | str,
    *,
    progress: Any = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
    bulk: bool | None = None,
) -> ImportResult:
    """Import a students file. ``workers``: processes parsing a CSV beside the writing (None:
    one per core for a large file, none for a small one; 0: none). ``bulk``: PostgreSQL's bulk
    load of a CSV into small tables (None: for a file of BULK_MIN_BYTES or more; True: whatever
    its size; False: never)."""
    counties = _counties()
    today = dt.date.today()

    def make_parser(mapping: dict[str, int], grades: dict[str, int], delimiter: str) -> _Parser:
        return _StudentParser(mapping, grades, counties, today, delimiter=delimiter)

    return _run(
        Path(path),
        STUDENT_COLUMNS,
        STUDENT_REQUIRED,
        make_parser,
        _PgStudentWriter(bulk) if connection.vendor == "postgresql" else _OrmStudentWriter(),
        progress,
        batch_size,
        workers,
    )


def import_teachers(
    path: Path | str,
    *,
    progress: Any = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> ImportResult:
    counties = _counties()
    today = dt.date.today()

    def make_parser(mapping: dict[str, int], grades: dict[str, int], delimiter: str) -> _Parser:
        return _TeacherParser(mapping, counties, today, delimiter=delimiter)

    return _run(
        Path(path),
        TEACHER_COLUMNS,
        TEACHER_REQUIRED,
        make_parser,
        _TeacherWriter(),
        progress,
        batch_size,
        workers,
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
