"""The hot pages make a fixed, small number of queries, whatever the data: `make bench` measures
them at a million requests (docs/performance.md), and a query more per request costs there.

If a change needs another query, raise the number here on purpose and say why in the commit.
"""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.models import ServiceRequest
from pishkhan.core.audit import events_for
from pishkhan.workflow.models import forget_parsed

from .conftest import pdf

pytestmark = pytest.mark.django_db

# The counter's POST of a new request (a service with one mandatory document), once the process
# keeps the service's filing bundle (catalog.filing: fields, documents, fees, workflow version):
#  session, user; the citizen (signed token) with the office's offering and the office, in one
#  query (selectors.citizen_and_offering); then, in the transaction: the request (its id is
#  needed by the rest), and the rest of its rows — its attachment, its first audit event, its
#  invoice (payments), its pending change for the rollups (insights), the outbox message — which
#  on PostgreSQL are one statement (core.rows, decision 31) and elsewhere one insert each. The
#  idempotency key and the tracking code are checked by their unique constraints, not by a
#  look-up. The transaction's own statements (BEGIN/COMMIT or, inside a test's transaction,
#  SAVEPOINT/RELEASE) are not counted.
SUBMISSION_ROWS_AFTER_THE_REQUEST = 5
COUNTER_SUBMIT_POSTGRESQL = 5
COUNTER_SUBMIT_ELSEWHERE = 4 + SUBMISSION_ROWS_AFTER_THE_REQUEST
# Tracking: one query, the request with its service's names and its public timeline (the
# workflow version is parsed once per process).
TRACK = 1
# The queue: session, user; the officer's agencies; the count; the page of 50 with their
# services, citizens and offices; their workflow versions; the status labels (two shipped
# workflows); the officer's agency and province (the heading); the services with requests.
QUEUE = 11

TRANSACTION_STATEMENTS = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.I)


@pytest.fixture(autouse=True)
def _no_otp(settings):
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()


def queries_of(capture: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in capture.captured_queries if not TRANSACTION_STATEMENTS.match(q["sql"])
    ]


def assert_count(capture: CaptureQueriesContext, expected: int) -> None:
    queries = queries_of(capture)
    listing = "\n".join(f"{i + 1}. {sql[:160]}" for i, sql in enumerate(queries))
    assert len(queries) == expected, f"{len(queries)} queries, expected {expected}:\n{listing}"


def counter_form(client):
    client.force_login(User.objects.get(username="operator-1001"))
    response = client.post(
        reverse("cases:office_identify"), {"national_code": "9990000115", "mobile": "09121000011"}
    )
    token = response["Location"].rstrip("/").split("/")[-1]
    url = reverse("cases:office_new_request", args=[token, "gas-meter-test"])
    form = client.get(url).context["form"]
    document = next(d for d in form.documents if d.is_mandatory)
    choice = form.fields["field_complaint"].choices[1][0]

    def post(key: str):
        data = {
            "idempotency_key": key,
            "field_subscription_number": "12345",
            "field_complaint": choice,
            "field_current_reading": "100",
            f"document_{document.pk}": pdf("meter.pdf"),
        }
        return client.post(url, data)

    return post


def test_counter_submit(client):
    post = counter_form(client)
    post("warm-up")  # the first request of a process loads translations and templates
    with CaptureQueriesContext(connection) as capture:
        response = post("query-count")
    assert response.status_code == 302
    assert ServiceRequest.objects.filter(idempotency_key="query-count").exists()
    assert_count(
        capture,
        COUNTER_SUBMIT_POSTGRESQL
        if connection.vendor == "postgresql"
        else COUNTER_SUBMIT_ELSEWHERE,
    )


def test_tracking(client, django_capture_on_commit_callbacks):
    request = ServiceRequest.objects.select_related("citizen").order_by("pk").first()
    data = {"tracking_code": request.tracking_code, "national_code": request.citizen.national_code}
    forget_parsed()
    # The first look-up reads and parses the request's workflow version, once per process.
    with (
        django_capture_on_commit_callbacks(execute=True),
        CaptureQueriesContext(connection) as first,
    ):
        client.post(reverse("cases:track"), data)
    assert len(first) == TRACK + 1
    with CaptureQueriesContext(connection) as capture:
        response = client.post(reverse("cases:track"), data)
    assert response.status_code == 200
    answer = response.context["answer"]
    assert answer.tracking_code == request.tracking_code
    events = list(events_for("service_request", request.pk))
    assert [entry.at for entry in answer.timeline] == [event.created_at for event in events]
    assert [entry.state_label for entry in answer.timeline] == [
        request.definition.state_label(event.to_state, "fa") for event in events
    ]
    assert_count(capture, TRACK)
    forget_parsed()


def test_queue_does_not_grow_with_its_rows(client):
    client.force_login(User.objects.get(username="officer-nocr-tehran"))
    client.get(reverse("cases:agency_queue"))
    with CaptureQueriesContext(connection) as capture:
        response = client.get(reverse("cases:agency_queue"))
    assert response.status_code == 200
    rows = len(response.context["rows"])
    assert rows > 0
    assert_count(capture, QUEUE)

    # More requests on the page, from more offices and services: the same queries.
    post = counter_form(client)
    for i in range(3):
        assert post(f"more-{i}").status_code == 302
    ServiceRequest.objects.filter(idempotency_key__startswith="more-").update(agency_id=1)
    client.force_login(User.objects.get(username="officer-nocr-tehran"))
    with CaptureQueriesContext(connection) as capture:
        response = client.get(reverse("cases:agency_queue"))
    assert len(response.context["rows"]) == rows + 3
    assert_count(capture, QUEUE)
