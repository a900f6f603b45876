"""``pishkhan import-students FILE``: students and academic records from CSV or XLSX."""

from __future__ import annotations

from pishkhan.education import importing

from ._base import ImportCommand


class Command(ImportCommand):
    help = "Import students and their academic records from a CSV or XLSX file."
    what = "students"
    # Django's system checks (about 0.15 s, a twentieth of a large import) check the project,
    # not the file: `pishkhan check` and every server start run them.
    requires_system_checks: list[str] = []

    def run_import(self, path: str, progress: object) -> importing.ImportResult:
        return importing.import_students(path, progress=progress)
