"""PostgreSQL's bulk load of a large student import into small tables (education/bulkload.py):
the indexes and the records' foreign key set aside and put back in the import's transaction. The
outcome is the ordinary path's; the schema is as before, whatever happens (docs/education.md,
"Speed")."""

import pytest
from django.db import connection
from django.utils import translation

from pishkhan.education import bulkload, importing
from pishkhan.education.models import AcademicRecord, Student

from .conftest import HEADER, code, student
from .test_import_parallel import SEEDS, mixed_rows, outcome

pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'"),
    pytest.mark.django_db,
]

TABLES = [Student._meta.db_table, AcademicRecord._meta.db_table]


def schema():
    """Every index and constraint of the two tables, as PostgreSQL describes them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = ANY(%s::regclass[]) ORDER BY 1",
            [TABLES],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), condeferrable, condeferred, convalidated "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [TABLES],
        )
        return indexes, cursor.fetchall()


@pytest.fixture
def bulk_taken(monkeypatch):
    """Counts the bulk loads that start (set their indexes aside)."""
    started = []
    set_aside = bulkload.set_aside

    def spy(cursor, aside):
        started.append(aside)
        set_aside(cursor, aside)

    monkeypatch.setattr(bulkload, "set_aside", spy)
    return started


def test_what_is_set_aside_and_what_is_kept():
    before = schema()
    with connection.cursor() as cursor:
        aside = bulkload.inspect(cursor, TABLES)
    definitions = [definition for _table, _name, definition in aside.constraints]
    assert "UNIQUE (national_code)" in definitions
    assert "UNIQUE (student_id, year)" in definitions
    assert any(
        d.startswith("FOREIGN KEY (student_id) REFERENCES education_student") for d in definitions
    )
    # the county's key is kept (dropping it would lock core_county), checked at each COPY
    assert len(aside.immediate) == 1 and "county" in aside.immediate[0]
    assert not any("county" in d for d in definitions)
    assert {name for name, _sql in aside.indexes} >= {
        name for name, sql in before[0] if "(county_id)" in sql
    }
    assert not any("pkey" in name for name, _sql in aside.indexes)


@pytest.mark.parametrize("batch_size", [1, 3, 5000])
def test_the_bulk_load_gives_the_ordinary_outcome(write_csv, bulk_taken, batch_size):
    """Mixed rows: errors with their lines, a later row winning, a student's rows far apart
    (which ends the bulk load half-way: the indexes are needed to find the student)."""
    path = write_csv(mixed_rows())
    before = schema()
    ordinary = outcome(path, workers=0, batch_size=batch_size, bulk=False)
    assert bulk_taken == []
    for workers in (0, 2):
        assert outcome(path, workers=workers, batch_size=batch_size, bulk=True) == ordinary
    assert len(bulk_taken) == 2
    assert schema() == before


def test_a_row_error_is_reported_with_its_line(write_csv, bulk_taken):
    rows = [student(seed) for seed in SEEDS[:6]]
    rows[3]["birth_date"] = "1403/12/31"  # line 5: no such day
    result = importing.import_students(write_csv(rows), workers=0, batch_size=2, bulk=True)
    assert len(bulk_taken) == 1
    assert (result.rows, result.imported) == (6, 5)
    assert [(line, column) for line, column, _reason in result.errors] == [(5, "birth_date")]
    assert Student.objects.filter(national_code__in=[code(s) for s in SEEDS[:6]]).count() == 5


def test_a_failure_mid_load_leaves_nothing_half_done(write_csv, bulk_taken, monkeypatch):
    """A database error at the third batch: the two before are rolled back with it, and the
    indexes and key are back as they were."""
    before = schema()
    copy = importing._PgStudentWriter._copy
    calls = []

    def failing(self, batch):
        calls.append(batch)
        if len(calls) == 3:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1/0")
        copy(self, batch)

    monkeypatch.setattr(importing._PgStudentWriter, "_copy", failing)
    path = write_csv([student(seed) for seed in SEEDS[:10]])
    with pytest.raises(Exception, match="division by zero"):
        importing.import_students(path, workers=0, batch_size=2, bulk=True)
    assert len(bulk_taken) == 1 and len(calls) == 3
    assert not Student.objects.filter(national_code__in=[code(s) for s in SEEDS[:10]]).exists()
    assert schema() == before


def test_unreadable_input_half_way_keeps_the_batches_before(tmp_path, bulk_taken):
    lines = [",".join(HEADER).encode()] + [
        ",".join(student(seed)[h] for h in HEADER).encode() for seed in SEEDS[:10]
    ]
    lines[8] = lines[8].replace("طاهری".encode(), b"\xff\xfe")  # line 9
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    before = schema()
    with translation.override("en"), pytest.raises(importing.ImportFileError) as caught:
        importing.import_students(path, workers=0, batch_size=3, bulk=True)
    assert str(caught.value) == "The CSV file is not UTF-8 text (line 9)."
    assert len(bulk_taken) == 1
    kept = Student.objects.filter(national_code__in=[code(s) for s in SEEDS])
    assert sorted(kept.values_list("national_code", flat=True)) == sorted(
        code(s) for s in SEEDS[:6]
    )
    assert schema() == before


def test_reimport_updates_in_place(write_csv, bulk_taken):
    """The tables hold some of the file's students already: the bulk load starts, ends at the
    first batch that meets one, and the rest is upserted as on the ordinary path."""
    importing.import_students(write_csv([student(SEEDS[5], last_name="قدیمی")], name="a.csv"))
    old = Student.objects.get(national_code=code(SEEDS[5]))
    path = write_csv([student(seed) for seed in SEEDS[:10]], name="b.csv")
    result = importing.import_students(path, workers=0, batch_size=2, bulk=True)
    assert (result.imported, result.errors, len(bulk_taken)) == (10, [], 1)
    again = Student.objects.get(national_code=code(SEEDS[5]))
    assert (again.id, again.last_name) == (old.id, "طاهری")
    students = Student.objects.filter(national_code__in=[code(s) for s in SEEDS[:10]])
    assert students.count() == 10
    assert AcademicRecord.objects.filter(student__in=students).count() == 10
    # the whole file again: every row updated in place
    ids = dict(students.values_list("national_code", "id"))
    changed = write_csv(
        [student(seed, year="1398", first_name="نو") for seed in SEEDS[:10]], name="c.csv"
    )
    assert importing.import_students(changed, workers=0, batch_size=3, bulk=True).imported == 10
    assert dict(students.values_list("national_code", "id")) == ids
    assert set(students.values_list("first_name", flat=True)) == {"نو"}
    assert AcademicRecord.objects.filter(student__in=students).count() == 10


def test_large_tables_take_the_ordinary_path(write_csv, bulk_taken, monkeypatch):
    """A student per BULK_BYTES of the file at most: here the file is too small for the two
    students already there, so nothing is locked or set aside."""
    importing.import_students(write_csv([student(s) for s in SEEDS[20:22]], name="a.csv"))
    monkeypatch.setattr(importing, "BULK_BYTES", 10**6)
    result = importing.import_students(write_csv([student(SEEDS[0])]), workers=0, bulk=True)
    assert (result.imported, bulk_taken) == (1, [])


def test_small_files_take_the_ordinary_path_by_default(write_csv, bulk_taken):
    importing.import_students(write_csv([student(SEEDS[0])]), workers=0)
    assert bulk_taken == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lock_not_granted_in_time_takes_the_ordinary_path(write_csv, bulk_taken, monkeypatch):
    """Another session reading the students: the import does not wait behind it (and make every
    reader wait behind itself), it writes the ordinary way."""
    import psycopg

    monkeypatch.setattr(bulkload, "LOCK_TIMEOUT", "100ms")
    monkeypatch.setattr(importing, "BULK_BYTES", 1)  # small tables, whatever other tests left
    settings = connection.settings_dict
    reader = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    try:
        reader.execute("BEGIN")
        reader.execute(f"SELECT count(*) FROM {TABLES[0]}")  # holds ACCESS SHARE until rollback
        path = write_csv([student(seed) for seed in SEEDS[:4]])
        result = importing.import_students(path, workers=0, batch_size=2, bulk=True)
    finally:
        reader.rollback()
        reader.close()
    assert (result.imported, bulk_taken) == (4, [])
    # the reader gone, the same import takes the bulk path
    assert importing.import_students(path, workers=0, batch_size=2, bulk=True).imported == 4
    assert len(bulk_taken) == 1
    Student.objects.filter(national_code__in=[code(s) for s in SEEDS[:4]]).delete()
