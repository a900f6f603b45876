"""``pishkhan prune``: delete the records past their keeping time now (docs/retention.md).

Celery beat runs the same every day (core.tasks.prune_records); this is for a deployment without
beat, or to see what a first run removes. Exits with status 1 when a kind could not be pruned,
so cron can alert on it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pishkhan.core.retention import prune_all


class Command(BaseCommand):
    help = "Delete sessions, sign-in codes, text messages and other records past their time."

    def handle(self, *args: Any, **options: Any) -> None:
        failed = []
        for name, count in prune_all().items():
            if count is None:
                failed.append(name)
                self.stdout.write(self.style.ERROR(f"{name}: failed (see the log)"))
            else:
                self.stdout.write(f"{name}: {count} deleted")
        if failed:
            raise CommandError(f"Could not prune: {', '.join(failed)}")
