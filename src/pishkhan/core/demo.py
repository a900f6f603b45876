"""Reference data: provinces and counties from the shipped fixture (idempotent: fixed keys)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

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


@contextmanager
def back_dated(moment: dt.datetime) -> Iterator[None]:
    """Run demo steps as if at ``moment``, in the past: what they record (a filing, its audit
    events with their hashes, messages, payments) carries that time, so a demo request's timeline
    reads in order. For the demo only: it stands in for ``django.utils.timezone.now`` while the
    block runs (model defaults bound to the function itself keep the real time)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
