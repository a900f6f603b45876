"""``pishkhan import-teachers FILE``: teachers from CSV or XLSX."""

from __future__ import annotations

from pishkhan.education import importing

from ._base import ImportCommand


class Command(ImportCommand):
    help = "Import teachers from a CSV or XLSX file."
    what = "teachers"

    def run_import(self, path: str, progress: object) -> importing.ImportResult:
        return importing.import_teachers(path, progress=progress)
