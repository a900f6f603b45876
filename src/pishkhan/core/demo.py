"""Reference data: provinces and counties from the shipped fixture (idempotent: fixed keys)."""

from __future__ import annotations

from django.core.management import call_command

from pishkhan.core.identifiers import national_code_check_digit

DEMO_PASSWORD = "pishkhan-demo-1405"


def demo_national_code(seed: int) -> str:
    """A valid, obviously synthetic national code: ``999`` + six digits + check digit."""
    first_nine = f"999{seed:06d}"
    return first_nine + str(national_code_check_digit(first_nine))


def load(stdout: object) -> list[tuple[str, str, str]]:
    call_command("loaddata", "geography", verbosity=0)
    return []
