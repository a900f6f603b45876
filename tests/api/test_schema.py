"""The OpenAPI schema at /api/schema/ is valid, and the API keeps to it under generated input
(schemathesis): no server error, every status, header and body as the schema declares — for
good and for bad input alike."""

from __future__ import annotations

import io

import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text(encoding="utf-8")
    for path in ("/api/v1/services/", "/api/v1/track/", "/api/v1/verify/{code}/"):
        assert path in text


def test_the_schema_is_served_as_json_and_in_english(client):
    answer = client.get("/api/schema/?format=json")
    assert answer.status_code == 200
    schema = answer.json()
    assert schema["info"]["title"] == "Pishkhan API"
    channel = next(
        p
        for p in schema["paths"]["/api/v1/services/"]["get"]["parameters"]
        if p["name"] == "channel"
    )
    assert "At a counter office" in channel["description"]


def _load_schema() -> schemathesis.BaseSchema:
    # Loaded when the module is collected (the schema is made from the URL configuration, with
    # no database); schemathesis calls the app in-process as "localhost".
    with override_settings(ALLOWED_HOSTS=["localhost"]):
        return schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())


schema = _load_schema()


@pytest.fixture(autouse=True)
def _as_localhost_with_fresh_limits(settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    cache.clear()


@pytest.fixture(autouse=True)
def _keep_the_test_transaction():
    """schemathesis calls the WSGI handler itself; like Django's test client, keep the end of
    each request from closing the connection that holds the test's transaction (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _token(*args: str) -> str:
    out = io.StringIO()
    call_command("api_client", "create", *args, stdout=out)
    return out.getvalue().split("shown once", 1)[1].split(": ", 1)[1].split()[0]


@pytest.fixture
def agency_token() -> str:
    return _token("Fuzz", "--agency", "nocr", "--province", "23")


@pytest.fixture
def office_token() -> str:
    return _token("Fuzz office", "--office", "23-1001")


@schema.parametrize()
@settings(
    # The same examples on every run (CI must not fail by luck); runs with more examples and
    # random seeds found what this test now holds (docs/api.md, "How it is tested").
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, agency_token, office_token):
    excluded = []
    if case.operation.path == "/api/v1/track/":
        # Check digits (the tracking code's, the national code's) are beyond what a schema can
        # say, so schema-valid codes are mostly refused, rightly; everything else is checked.
        excluded.append(positive_data_acceptance)
    if case.operation.path.startswith("/api/v1/agency/"):
        # A generated token is made a real one, so the generated input reaches the views; a
        # case generated without the header (bad on purpose) keeps it away and gets its 401. A
        # workflow step's action and version are checked against the request's state, beyond
        # what the schema can say.
        if case.headers and "Authorization" in case.headers:
            case.headers["Authorization"] = f"Bearer {agency_token}"
        if case.operation.path.endswith("/actions/"):
            excluded.append(positive_data_acceptance)
    if case.operation.path.startswith("/api/v1/office/"):
        # The same for an office's system. A filing's national code (a check digit), the
        # registry's match of the mobile and the service's own fields, and a payment's amount
        # (exactly what is due), are beyond what a schema can say.
        if case.headers and "Authorization" in case.headers:
            case.headers["Authorization"] = f"Bearer {office_token}"
        if case.method == "POST":
            excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)
