"""Shared body of the import commands: progress bar, summary, exit status.

Exit status: 0 every row imported; 2 some rows rejected (the valid ones were imported, the
errors are in ``<FILE>.errors.csv``); 1 the file could not be read (nothing imported).
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from pishkhan.education import importing


class ImportCommand(BaseCommand):
    what = ""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="CSV or XLSX file")

    def run_import(self, path: str, progress: object) -> importing.ImportResult:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(settings.LANGUAGE_CODE)
        bar = importing.progress_bar(sys.stderr, self.what)
        try:
            result = self.run_import(options["file"], bar)
        except importing.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        self.stdout.write(
            _("%(rows)s rows read, %(imported)s imported, %(rejected)s rejected.")
            % {"rows": result.rows, "imported": result.imported, "rejected": result.rejected}
        )
        if result.error_file is not None:
            self.stdout.write(
                _("Errors (line, column, reason) written to %(path)s")
                % {"path": str(result.error_file)}
            )
            for line, column, reason in result.errors[:10]:
                self.stderr.write(
                    _("line %(line)s, %(column)s: %(reason)s")
                    % {"line": line, "column": column, "reason": reason}
                )
            raise SystemExit(2)
