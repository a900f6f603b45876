"""``pishkhan rollup rebuild`` recomputes every rollup from the event log; ``pishkhan rollup
fold`` folds the pending changes now (the worker does it every 10 s)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pishkhan.insights import rollups


class Command(BaseCommand):
    help = "Rollups: 'rebuild' recomputes them from the event log; 'fold' folds pending changes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "fold"])

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["action"] == "rebuild":
            # On PostgreSQL set-based SQL (same cells, minutes not hours at tens of millions of
            # events: insights.rollups_sql); elsewhere the Python replay.
            count = rollups.rebuild_sql()
            what = "state changes replayed from the event log"
        else:
            count = rollups.fold_all()
            what = "pending changes folded"
        elapsed = time.monotonic() - started
        self.stdout.write(f"{count:,} {what} in {elapsed:.1f} s.")
