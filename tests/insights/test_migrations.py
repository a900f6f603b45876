"""Migration 0004 fills the cells 0003 added on a database that already has requests (an
upgraded site), so its dashboards do not read empty year and national cells."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from pishkhan.cases.models import ServiceRequest
from pishkhan.insights import rollups

pytestmark = pytest.mark.django_db

fill = importlib.import_module(
    "pishkhan.insights.migrations.0004_fill_year_national_and_province_cells"
).fill


def test_an_upgraded_database_gets_every_cell_from_its_event_log():
    assert ServiceRequest.objects.exists()  # the demo's requests
    rollups.fold_all()
    kept = rollups.snapshot()
    assert any(name.endswith("Year") and cells for name, cells in kept.items())
    for model in rollups.ROLLUPS:  # as 0003 leaves an upgraded database: new cells empty
        model.objects.all().delete()
    fill(apps, SimpleNamespace(connection=connection))
    assert rollups.snapshot() == kept
