"""`pishkhan import-students FILE` / `import-teachers FILE`: summary, error file, exit status."""

import pytest

from pishkhan import cli
from pishkhan.education import importing
from pishkhan.education.models import Student, Teacher

from .conftest import code, student

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    # run_from_argv closes every connection when the command ends, which would end the test's
    # transaction on PostgreSQL.
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args):
    with pytest.raises(SystemExit) as exited:
        cli.main([*args])
        raise SystemExit(0)
    return exited.value.code or 0


def test_all_rows_valid_exits_zero(write_csv, capsys):
    path = write_csv([student(600), student(601)])
    assert run("import-students", str(path)) == 0
    out = capsys.readouterr().out
    assert "۲" in out or "2" in out
    assert Student.objects.filter(national_code__in=[code(600), code(601)]).count() == 2


def test_rejected_rows_exit_two_with_summary_and_error_file(write_csv, capsys):
    path = write_csv([student(602), student(603, national_code="0000000001")])
    assert run("import-students", str(path)) == 2
    captured = capsys.readouterr()
    assert str(importing.error_file_for(path)) in captured.out
    assert "کد ملی معتبر نیست" in captured.err  # line 3's reason, in Persian
    assert (
        importing.error_file_for(path)
        .read_text(encoding="utf-8-sig")
        .splitlines()[1]
        .startswith("3,national_code,")
    )
    assert Student.objects.filter(national_code=code(602)).exists()


def test_unreadable_file_exits_one(tmp_path, capsys):
    path = tmp_path / "students.docx"
    path.write_bytes(b"x")
    assert run("import-students", str(path)) == 1
    assert "CSV" in capsys.readouterr().err


def test_underscore_name_works_too(write_csv):
    assert run("import_students", str(write_csv([student(604)]))) == 0


def test_import_teachers(write_csv, capsys):
    header = list(importing.TEACHER_COLUMNS)
    good = {
        "national_code": code(610),
        "personnel_code": "55501234",
        "first_name": "پروین",
        "last_name": "اعتصامی",
        "post": "دبیر ادبیات",
        "workplace": "دبیرستان البرز",
        "county": "2301",
        "employed_on": "1390/06/31",
        "left_on": "",
    }
    bad = {**good, "national_code": code(611), "employed_on": "1390/07/31"}
    ended = {**good, "national_code": code(612), "left_on": "1389/01/01"}
    path = write_csv([good, bad, ended], name="teachers.csv", header=header)
    assert run("import-teachers", str(path)) == 2
    errors = importing.error_file_for(path).read_text(encoding="utf-8-sig").splitlines()[1:]
    assert [e.split(",")[:2] for e in errors] == [["3", "employed_on"], ["4", "left_on"]]
    assert Teacher.objects.get(national_code=code(610)).post == "دبیر ادبیات"
    # Re-import updates in place.
    path = write_csv([{**good, "post": "معاون آموزشی"}], name="teachers.csv", header=header)
    assert run("import-teachers", str(path)) == 0
    assert Teacher.objects.filter(national_code=code(610)).get().post == "معاون آموزشی"
    assert not importing.error_file_for(path).exists()  # the stale error file is gone
