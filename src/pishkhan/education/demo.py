"""Education demo: the example student and teacher files, imported the way an operator would.

The first demo citizen (9990000018) gets two upper-secondary records with a diploma, so the
portal can show them; a minor comes with the demo citizen who is her parent. Idempotent: the
import updates in place by national code and year.
"""

from __future__ import annotations

from pathlib import Path

from . import importing

DATA = Path(__file__).resolve().parent / "data"
STUDENTS_FILE = DATA / "students-example.csv"
TEACHERS_FILE = DATA / "teachers-example.csv"


def load(stdout: object) -> list[tuple[str, str, str]]:
    for path, run in (
        (STUDENTS_FILE, importing.import_students),
        (TEACHERS_FILE, importing.import_teachers),
    ):
        result = run(path)
        if result.errors:
            raise RuntimeError(f"{path.name}: {result.errors}")
    return []
