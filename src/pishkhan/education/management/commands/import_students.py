"""``pishkhan import-students FILE``: students and academic records from CSV or XLSX."""

from __future__ import annotations

from pishkhan.education import importing

from ._base import ImportCommand


class Command(ImportCommand):
    help = "Import students and their academic records from a CSV or XLSX file."
    what = "students"

    def run_import(self, path: str, progress: object) -> importing.ImportResult:
        return importing.import_students(path, progress=progress)
