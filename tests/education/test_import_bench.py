"""`make bench`'s student import (bench/import_bench.py, bench/report.py) on a small file: the
generated file is valid, the floor's COPY files are the import's rows, and the measurement runs
and reports the keys of bench/results/latest.json."""

import importlib.util
import json
import os
import sys
from pathlib import Path

import pytest
from django.db import connection

from pishkhan.education import importing
from pishkhan.education.models import AcademicRecord, Student

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name):
    """A bench script as a module; its neighbours importable, as when it runs."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def import_bench():
    return load("import_bench")


@pytest.mark.django_db
def test_the_generated_file_is_valid_and_prepare_makes_the_imports_rows(import_bench, tmp_path):
    path = tmp_path / "students.csv"
    import_bench.generate(path, 400, seed=7)
    result = importing.import_students(path)
    assert (result.rows, result.imported, result.errors) == (400, 400, [])
    with path.open(encoding="utf-8") as handle:
        codes = {line.split(",", 1)[0] for line in list(handle)[1:]}
    students = Student.objects.filter(national_code__in=codes)
    assert 150 < students.count() < 400  # one to three years each
    records = AcademicRecord.objects.filter(student__in=students)
    assert records.count() == 400
    assert records.filter(level="upper_secondary").exclude(field_of_study="").exists()
    assert records.filter(gpa__isnull=True).count() == 0
    assert students.exclude(parent_national_code="").exists()

    figures = import_bench.prepare(path, tmp_path / "floor")
    assert figures == {"rows": 400, "students": students.count()}
    student_lines = (tmp_path / "floor" / "students.copy").read_text().splitlines()
    record_lines = (tmp_path / "floor" / "records.copy").read_text().splitlines()
    assert len(record_lines) == 400
    assert [line.split("\t")[0] for line in student_lines] == [
        str(n) for n in range(1, len(student_lines) + 1)
    ]
    assert {line.split("\t")[1] for line in student_lines} == codes
    assert len(student_lines[0].split("\t")) == len(importing.STUDENT_COLUMNS_COPY)
    assert len(record_lines[0].split("\t")) == len(importing.RECORD_COLUMNS_COPY)


def database_url():
    settings = connection.settings_dict
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or 'localhost'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_measurement_runs_on_a_small_file(import_bench, tmp_path, monkeypatch):
    path = tmp_path / "students.csv"
    import_bench.generate(path, 300, seed=8)
    import_bench.prepare(path, tmp_path / "floor")
    monkeypatch.setenv("DATABASE_URL", database_url())  # the command runs in its own process
    monkeypatch.delenv("BENCH_TREES", raising=False)
    monkeypatch.setenv("BENCH_IMPORT_REPEAT", "1")
    result = tmp_path / "import.json"
    import_bench.measure(path, tmp_path / "floor", result)  # exits if the rows differ
    figures = json.loads(result.read_text())
    assert figures["rows"] == 300 and figures["records"] == 300
    for key in ("copy", "import", "update"):
        assert figures[f"{key}_rows_per_s"] > 0
        assert figures[f"{key}_seconds"] > 0
    assert figures["startup_seconds"] > 0
    assert not importing.error_file_for(path).exists()


def test_report_turns_the_figures_into_keys_and_a_line(tmp_path, capsys):
    report = load("report")
    run = tmp_path / "run"
    run.mkdir()
    (run / "import.json").write_text(
        json.dumps(
            {
                "rows": 200000,
                "students": 117000,
                "workers": 2,
                "copy_seconds": 4.0,
                "copy_rows_per_s": 50000.0,
                "copy_db_cpu_us_per_row": 19.5,
                "import_seconds": 8.0,
                "import_rows_per_s": 25000.0,
                "import_client_cpu_us_per_row": 20.0,
                "import_db_cpu_us_per_row": 20.5,
                "update_seconds": 10.0,
                "update_rows_per_s": 20000.0,
                "startup_seconds": 1.2,
            }
        )
    )
    python = "CPython 3.11.2 (/usr/bin/python3.11; libpython linked in)"
    (run / "meta.json").write_text(json.dumps({"setup": {"python": python}}))
    out = report.student_import(run)
    assert out["import_rows_per_s"] == 25000.0
    assert out["import_copy_rows_per_s"] == 50000.0
    assert out["import_copy_ratio"] == 0.5
    assert out["import_update_rows_per_s"] == 20000.0
    assert out["import_db_cpu_us_per_row"] == 20.5
    assert out["import_copy_db_cpu_us_per_row"] == 19.5
    assert out["import_target"] == "FAIL"  # half of COPY, but below 50,000 rows/s
    results = tmp_path / "results"
    monkeypatched_argv = [sys.argv[0], str(run), str(results), "--import-only"]
    old_argv, sys.argv = sys.argv, monkeypatched_argv
    try:
        report.main()
    finally:
        sys.argv = old_argv
    written = json.loads((results / "latest-import.json").read_text())
    assert written["import_copy_ratio"] == 0.5 and "machine" in written
    assert written["python"].startswith("CPython 3.11.2")  # the interpreter is on record
    assert not (results / "latest.json").exists()
    printed = capsys.readouterr().out
    assert "student import (200,000 rows)" in printed and "25,000" in printed
    assert f"Python: {python}" in printed
    assert os.path.exists(results / "latest-import.json")
