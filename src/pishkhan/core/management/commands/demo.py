"""``pishkhan demo``: reference data, the catalogue and demo data. Idempotent.

Each installed app may ship a ``demo`` module with ``load(stdout) -> [(role, username,
password)]``; they run in INSTALLED_APPS order (lower layers first), so this command never
imports the apps above core.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Load reference data, the service catalogue and demo data (safe to run again)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        logins: list[tuple[str, str, str]] = []
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if not config.name.startswith("pishkhan.") or find_spec(module_name) is None:
                    continue
                logins += import_module(module_name).load(self.stdout) or []
        self.stdout.write(self.style.SUCCESS("Reference data, catalogue and demo data loaded."))
        if logins and not options["quiet_logins"]:
            self.stdout.write("\nDemo logins (http://127.0.0.1:8000/admin/ for staff):")
            width = max(len(role) for role, _, _ in logins)
            for role, username, password in logins:
                self.stdout.write(f"  {role.ljust(width)}  {username:<24} {password}")
