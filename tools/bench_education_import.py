"""Time ``pishkhan import-students`` on a generated file (docs/education.md).

    DATABASE_URL=postgres://... .venv/bin/python tools/bench_education_import.py [ROWS] [csv|xlsx]

Migrates the database, loads the counties, writes ROWS (default 100,000) valid student rows
(national codes 997xxxxxxC, one record per student, eight grades, Jalali and Gregorian dates),
imports them twice (insert, then re-import updating in place) and prints rows per second.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

SUBJECTS = ["ریاضی", "فیزیک", "شیمی", "زیست", "ادبیات", "عربی", "دینی", "انگلیسی"]


def write_students(path: Path, rows: int, seed: int = 1405) -> None:
    from pishkhan.core.identifiers import national_code_check_digit

    rnd = random.Random(seed)
    header = [
        "national_code", "first_name", "last_name", "birth_date", "parent_national_code",
        "county", "school_code", "school_name", "year", "level", "field_of_study",
        *[f"grade:{s}" for s in SUBJECTS], "gpa", "diploma_number", "diploma_date",
    ]  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(rows):
            nine = f"997{i:06d}"
            code = nine + str(national_code_check_digit(nine))
            pnine = f"996{i:06d}"
            parent = pnine + str(national_code_check_digit(pnine))
            if i % 2:
                birth = f"13{rnd.randint(85, 92)}/{rnd.randint(1, 12):02d}/{rnd.randint(1, 29):02d}"
            else:
                birth = (
                    f"{rnd.randint(2006, 2013)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
                )
            writer.writerow(
                [
                    code, "نام", "نام خانوادگی", birth, parent, "2301",
                    f"{rnd.randint(10**7, 10**8 - 1)}", "دبیرستان نمونه", "1403",
                    "متوسطه دوم", "ریاضی و فیزیک",
                    *[f"{rnd.randint(0, 2000) / 100:.2f}" for _ in SUBJECTS], "", "", "",
                ]
            )  # fmt: skip


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pishkhan.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from pishkhan.education.importing import import_students

    call_command("migrate", verbosity=0)
    call_command("loaddata", "geography", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "students.csv"
        write_students(path, rows)
        for label in ("insert", "update in place"):
            started = time.perf_counter()
            result = import_students(path)
            seconds = time.perf_counter() - started
            assert not result.errors, result.errors[:5]
            print(
                f"{connection.vendor} {label}: {result.imported:,} rows in {seconds:.2f} s"
                f" = {result.imported / seconds:,.0f} rows/s"
            )


if __name__ == "__main__":
    main()
