"""The agency API: an agency's system reads its queue and a request and takes workflow steps,
with an officer's scope and rules, authenticated by a hashed bearer token."""

from __future__ import annotations

import hashlib
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.api.models import ApiClient, token_hash
from pishkhan.cases.demo import sample_values
from pishkhan.cases.models import DataAccess, ServiceRequest
from pishkhan.cases.selectors import agency_queue
from pishkhan.cases.services import submit
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.audit import events_for
from pishkhan.notify.models import OutboxMessage
from pishkhan.offices.models import Office
from tests.cases.conftest import uploads_for
from tests.conftest import assert_streamed, store_large

pytestmark = pytest.mark.django_db

QUEUE = "/api/v1/agency/requests/"


def create(*args: str) -> str:
    out = io.StringIO()
    call_command("api_client", "create", *args, stdout=out)
    return re.search(r"Token \(shown once[^:]*\): (\S+)", out.getvalue()).group(1)


@pytest.fixture
def token() -> str:
    return create("NOCR Tehran back office", "--agency", "nocr", "--province", "23")


@pytest.fixture
def api(client, token):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def filed():
    """A new counter request at office 23-1001 (Tehran) for civil registration."""
    service = Service.objects.get(code="nocr-birth-certificate-duplicate")
    citizen = User.objects.get(username="9990000018")
    request, _ = submit(
        service=service,
        citizen=citizen,
        channel=Channel.OFFICE,
        actor=User.objects.get(username="operator-1001"),
        office=Office.objects.get(licence_number="23-1001"),
        form_values=sample_values(service, citizen),
        uploads=uploads_for(service),
    )
    return request


def error(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def test_create_makes_a_scoped_service_account_and_keeps_only_the_tokens_hash(token):
    client = ApiClient.objects.select_related("user__agency", "user__province").get()
    user = client.user
    assert (user.role, user.agency.code, user.province.sci_code) == (
        Role.AGENCY_OFFICER,
        "nocr",
        "23",
    )
    assert not user.has_usable_password()
    assert client.secret_hash == token_hash(token) and token not in client.secret_hash
    assert len(token) >= 40 and client.prefix == token[:8]


def test_a_persian_name_makes_a_persian_username(token):
    create("سامانه ثبت احوال فارس", "--agency", "nocr", "--province", "07")
    client = ApiClient.objects.get(name="سامانه ثبت احوال فارس")
    assert client.user.username == "api-سامانه-ثبت-احوال-فارس"
    assert client.user.province.sci_code == "07"


def test_create_refuses_unknown_agency_province_and_repeated_names(token):
    for args in (
        ("X", "--agency", "no-such"),
        ("X", "--agency", "nocr", "--province", "99"),
        ("NOCR Tehran back office", "--agency", "nocr"),
    ):
        with pytest.raises(CommandError):
            create(*args)
    assert ApiClient.objects.count() == 1
    assert User.objects.filter(username__startswith="api-").count() == 1


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "not_authenticated"),
        ("Bearer not-a-token-of-ours-at-all", "authentication_failed"),
        ("Bearer", "authentication_failed"),
        ("Bearer a b", "authentication_failed"),
        ("Bearer abc\x00defghijklmnopqrstuvwxyz", "authentication_failed"),  # NUL in the prefix
    ],
)
def test_without_a_valid_token_it_is_a_401_with_the_challenge(client, token, header, code):
    if header:
        client.defaults["HTTP_AUTHORIZATION"] = header
    answer = client.get(QUEUE)
    assert error(answer, 401)["code"] == code
    assert answer["WWW-Authenticate"] == "Bearer"


def test_a_revoked_client_or_disabled_account_is_refused_at_once(api, token):
    assert api.get(QUEUE).status_code == 200
    call_command("api_client", "revoke", "NOCR Tehran back office", stdout=io.StringIO())
    assert error(api.get(QUEUE), 401)["code"] == "authentication_failed"
    out = io.StringIO()
    call_command("api_client", "new-token", "NOCR Tehran back office", stdout=out)
    fresh = re.search(r": (\S+)\n", out.getvalue().split("\n", 1)[1]).group(1)
    assert error(api.get(QUEUE), 401)["code"] == "authentication_failed"  # the old token
    api.defaults["HTTP_AUTHORIZATION"] = f"Bearer {fresh}"
    assert api.get(QUEUE).status_code == 200
    User.objects.filter(username__startswith="api-").update(is_active=False)
    assert api.get(QUEUE).status_code == 401


def test_a_client_whose_account_is_not_agency_staff_is_forbidden(client):
    citizen = User.objects.get(username="9990000018")
    api_client = ApiClient(name="not an agency", user=citizen)
    token = api_client.new_token()
    api_client.save()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert error(client.get(QUEUE), 403)["code"] == "permission_denied"


def test_the_queue_is_the_officers_in_the_same_order(api, filed):
    officer = User.objects.get(username="officer-nocr-tehran")
    expected = list(
        agency_queue(officer)
        .filter(status__in=("submitted", "in_review", "resubmitted", "needs_info", "checking"))
        .order_by("sla_due_on", "submitted_at", "pk")
        .values_list("tracking_code", flat=True)
    )
    seen, url = [], f"{QUEUE}?limit=3"
    while url:
        page = api.get(url).json()
        seen += [row["tracking_code"] for row in page["results"]]
        url = page["next"]
    assert seen == expected and filed.tracking_code in seen
    fars = ServiceRequest.objects.filter(province__sci_code="07", service__agency__code="nocr")
    assert not set(fars.values_list("tracking_code", flat=True)) & set(seen)


def test_the_queue_filters_by_state_and_service_and_refuses_bad_ones(api, filed):
    rows = api.get(f"{QUEUE}?state=submitted&service={filed.service.code}").json()["results"]
    assert filed.tracking_code in {r["tracking_code"] for r in rows}
    assert {(r["state"], r["service"]["code"]) for r in rows} == {("submitted", filed.service.code)}
    row = next(r for r in rows if r["tracking_code"] == filed.tracking_code)
    assert row["office"]["licence_number"] == "23-1001" and row["version"] == filed.version
    assert error(api.get(f"{QUEUE}?state=lost"), 400)["fields"].keys() == {"state"}


def test_unknown_parameters_and_bad_values_on_the_queue_are_400s_naming_them(api, filed):
    # ?status= (meant as state) and ?page= (meant as offset) were ignored: the whole queue
    # came back as if filtered.
    got = error(api.get(f"{QUEUE}?status=zzz&page=abc"), 400)
    assert got["code"] == "invalid" and set(got["fields"]) == {"status", "page"}
    assert got["fields"]["page"] == [
        "این نشانی چنین پارامتری ندارد؛ پارامترهای آن: state، service، limit، offset."
    ]
    assert set(error(api.get(f"{QUEUE}?offset=abc"), 400)["fields"]) == {"offset"}
    assert set(error(api.get(f"{QUEUE}?service=a b"), 400)["fields"]) == {"service"}
    assert set(error(api.get(f"{QUEUE}?state="), 400)["fields"]) == {"state"}
    # The request's own address takes none; without a token it is still the 401 first.
    bare = error(api.get(f"{QUEUE}{filed.tracking_code}/?x=1"), 400)["fields"]
    assert bare == {"x": ["این نشانی پارامتری در رشتهٔ پرس‌وجو (query) نمی‌پذیرد."]}
    del api.defaults["HTTP_AUTHORIZATION"]
    assert api.get(f"{QUEUE}?status=zzz").status_code == 401


def test_a_request_reads_as_its_officers_see_it(api, filed):
    body = api.get(f"{QUEUE}{filed.tracking_code}/").json()
    assert body["citizen"]["national_code"] == filed.citizen.national_code
    assert body["state"] == "submitted" and body["version"] == filed.version
    assert body["form_data"] == filed.form_data and body["form"]
    assert [d["sha256"] for d in body["documents"]] == [
        a.sha256 for a in filed.attachments.order_by("pk")
    ]
    assert [e["action"] for e in body["timeline"]] == ["submit"]
    assert "start_review" in {a["action"] for a in body["actions"]}


@pytest.mark.usefixtures("document_storage")
def test_documents_download_as_uploaded_and_only_in_scope(api, filed):
    body = api.get(f"{QUEUE}{filed.tracking_code}/").json()
    document = body["documents"][0]
    answer = api.get(f"{QUEUE}{filed.tracking_code}/documents/{document['id']}/")
    assert answer.status_code == 200
    content = b"".join(answer.streaming_content)
    assert hashlib.sha256(content).hexdigest() == document["sha256"] == answer["X-Content-SHA256"]
    assert answer["Content-Type"] == document["content_type"]
    assert "attachment" in answer["Content-Disposition"]
    other = ServiceRequest.objects.exclude(pk=filed.pk).filter(attachments__isnull=False).first()
    foreign = other.attachments.first().pk
    missing = api.get(f"{QUEUE}{filed.tracking_code}/documents/{foreign}/")
    assert error(missing, 404)["code"] == "not_found"


@pytest.mark.usefixtures("document_storage")
def test_a_large_document_is_streamed_in_chunks(api, filed, body_spy):
    """Decision 64: from the API too, a document is sent in bounded chunks straight from the
    store, with its type, its name as an attachment and the read noted."""
    document = filed.attachments.order_by("pk").first()
    content = store_large(document.file)
    answer = api.get(f"{QUEUE}{filed.tracking_code}/documents/{document.pk}/")
    assert answer["Content-Type"] == document.content_type
    assert "attachment" in answer["Content-Disposition"]
    assert document.original_name in answer["Content-Disposition"]
    assert DataAccess.objects.filter(kind=DataAccess.Kind.DOCUMENT, via="api").count() == 1
    assert_streamed(answer, content, body_spy)


@pytest.mark.usefixtures("document_storage")
def test_a_document_whose_file_is_gone_is_a_404_that_says_so(api, filed):
    document = filed.attachments.order_by("pk").first()
    document.file.storage.delete(document.file.name)
    answer = api.get(f"{QUEUE}{filed.tracking_code}/documents/{document.pk}/")
    body = error(answer, 404)
    assert body["code"] == "not_found"
    assert body["message"] == "فایل این سند دیگر در محل نگهداری فایل‌ها نیست."
    assert not DataAccess.objects.filter(kind=DataAccess.Kind.DOCUMENT).exists()


def test_outside_the_clients_scope_is_the_same_404_as_unknown(api):
    fars = ServiceRequest.objects.filter(province__sci_code="07").first()
    assert fars is not None
    out_of_scope = error(api.get(f"{QUEUE}{fars.tracking_code}/"), 404)
    unknown = error(api.get(f"{QUEUE}000000000000/"), 404)
    assert out_of_scope == unknown


def test_steps_follow_the_workflow_and_name_the_client_in_the_audit_log(api, filed):
    url = f"{QUEUE}{filed.tracking_code}/actions/"
    version = filed.version
    answer = api.post(url, {"action": "start_review", "version": version}, "application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "in_review" and answer.json()["version"] == version + 1
    # A stale version changes nothing.
    stale = error(api.post(url, {"action": "approve", "version": version}, "application/json"), 409)
    assert stale["code"] == "stale"
    # Asking for information needs the reason; then the citizen is told by SMS.
    missing = error(
        api.post(url, {"action": "ask_info", "version": version + 1}, "application/json"), 400
    )
    assert list(missing["fields"]) == ["comment"]
    done = api.post(
        url,
        {"action": "ask_info", "version": version + 1, "comment": "تصویر شناسنامه خوانا نیست."},
        "application/json",
    )
    assert done.json()["state"] == "needs_info"
    assert OutboxMessage.objects.filter(subject_id=str(filed.pk), event="needs_info").exists()
    not_now = error(
        api.post(url, {"action": "approve", "version": version + 2}, "application/json"), 409
    )
    assert not_now["code"] == "not_allowed"
    events = list(events_for("service_request", filed.pk))
    assert [e.action for e in events] == ["submit", "start_review", "ask_info"]
    assert events[-1].actor_name.startswith("NOCR Tehran back office")
    filed.refresh_from_db()
    assert filed.status == "needs_info"


@pytest.mark.parametrize(
    "body",
    [{}, {"action": "approve"}, {"action": "approve", "version": -1}, [1], {"version": "x"}],
)
def test_malformed_steps_are_refused_by_field(api, filed, body):
    url = f"{QUEUE}{filed.tracking_code}/actions/"
    got = error(api.post(url, body, "application/json"), 400)
    assert got["code"] == "invalid" and got["fields"]
    filed.refresh_from_db()
    assert filed.status == "submitted"
