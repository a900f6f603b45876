"""A filing form refused for one field keeps the documents that passed their own checks: the
page names them, and sending the form again without new files files them (cases.held)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.cases import held
from pishkhan.cases.demo import DEMO_PDF, sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.catalog.models import Service
from tests.conftest import stored_files

from .conftest import pdf
from .test_portal import sign_in

CODE = "nocr-single-status-certificate"


# Every test here once per kind of storage: the filesystem, in memory (no disk path), S3.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("document_storage")]


def form_data(client, citizen):
    service = Service.objects.get(code=CODE)
    url = reverse("cases:portal_new_request", args=[CODE])
    form = client.get(url).context["form"]
    data = {"idempotency_key": form.initial["idempotency_key"]}
    data.update({f"field_{k}": v for k, v in sample_values(service, citizen).items()})
    required = next(s.key for s in service.fields.all() if s.is_required)
    documents = [f"document_{d.pk}" for d in form.documents if d.is_mandatory]
    assert documents, "the test needs a service with a mandatory document"
    return url, data, f"field_{required}", documents


def refused_once(client, citizen):
    """Post the form with its documents but one required field left empty."""
    url, data, required, documents = form_data(client, citizen)
    files = {name: pdf(f"my-{name}.pdf") for name in documents}
    page = client.post(url, {**data, required: "", **files})
    assert (
        page.status_code == 200
        and not ServiceRequest.objects.filter(idempotency_key=data["idempotency_key"]).exists()
    )
    return url, data, documents, page.content.decode()


def tokens_in(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(held_[\w]+)" value="([^"]+)">', html))


def test_the_documents_come_back_and_are_filed_with_the_corrected_form(client):
    citizen = sign_in(client)
    url, data, documents, html = refused_once(client, citizen)
    tokens = tokens_in(html)
    assert set(tokens) == {f"held_{name}" for name in documents}
    assert "از تلاش قبلی شما نگه داشته شد" in html and "my-document_" in html
    # The browser is not asked for a file it already gave.
    for name in documents:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert " required" not in tag
    kept = default_storage.listdir(held.PREFIX)[0]
    assert len(kept) == len(documents)

    filed = client.post(url, {**data, **tokens})  # the field fixed, no file chosen again
    assert filed.status_code == 302, filed.content.decode()[:3000]
    request = ServiceRequest.objects.get(idempotency_key=data["idempotency_key"])
    names = sorted(a.original_name for a in request.attachments.all())
    assert names == sorted(f"my-{name}.pdf" for name in documents)
    assert all(a.file.read() == DEMO_PDF for a in request.attachments.all())
    # Filed with its own copies: the kept ones are gone.
    assert all(not default_storage.listdir(f"{held.PREFIX}/{d}")[1] for d in kept)


def test_a_new_file_replaces_the_kept_one(client):
    citizen = sign_in(client)
    url, data, documents, html = refused_once(client, citizen)
    replaced = {documents[0]: pdf("newer.pdf")}
    assert client.post(url, {**data, **tokens_in(html), **replaced}).status_code == 302
    request = ServiceRequest.objects.get(idempotency_key=data["idempotency_key"])
    assert "newer.pdf" in {a.original_name for a in request.attachments.all()}


def test_someone_elses_or_a_forged_token_brings_nothing_back(client):
    citizen = sign_in(client)
    url, data, _documents, html = refused_once(client, citizen)
    tokens = tokens_in(html)
    other = User.objects.get(username="9990000026")
    assert all(held.take_back(token, other) is None for token in tokens.values())
    forged = {name: token[:-2] + "xx" for name, token in tokens.items()}
    again = client.post(url, {**data, **forged})
    assert again.status_code == 200  # the documents are required and were not given
    assert not ServiceRequest.objects.filter(idempotency_key=data["idempotency_key"]).exists()
    assert "held-upload" not in again.content.decode()


def test_abandoned_documents_are_pruned(client, monkeypatch, request):
    citizen = sign_in(client)
    _url, _data, documents, _html = refused_once(client, citizen)
    kept = stored_files()
    assert len(kept) == len(documents) and all(n.startswith(f"{held.PREFIX}/") for n in kept)
    assert held.prune() == 0  # fresh: kept
    assert stored_files() == kept
    # Seven hours on (the storage's own modification times are not moved: an object store's
    # cannot be), every kept document is past the six hours and goes.
    later = timezone.now() + dt.timedelta(hours=7)
    monkeypatch.setattr(held.timezone, "now", lambda: later)
    assert held.prune() == len(documents)
    assert stored_files() == []
    if request.node.callspec.params["document_storage"] == "filesystem":
        # and not one empty folder left per refused form, for ever
        assert default_storage.listdir(held.PREFIX) == ([], [])


def test_pruning_with_nothing_ever_kept_deletes_nothing():
    assert held.prune() == 0


def test_a_kept_document_pruned_meanwhile_is_asked_for_again(client):
    """The hourly prune may delete a kept document between the page and its second sending:
    the form then asks for the file again, as for any missing document."""
    citizen = sign_in(client)
    url, data, _documents, html = refused_once(client, citizen)
    for name in stored_files():
        default_storage.delete(name)
    again = client.post(url, {**data, **tokens_in(html)})
    assert again.status_code == 200
    assert not ServiceRequest.objects.filter(idempotency_key=data["idempotency_key"]).exists()
    assert not tokens_in(again.content.decode())


def test_an_answer_to_more_information_needed_keeps_its_documents_too(client):
    from pishkhan.cases.services import transition

    citizen = sign_in(client)
    url, data, required, documents = form_data(client, citizen)
    files = {name: pdf(f"{name}.pdf") for name in documents}
    assert client.post(url, {**data, **files}).status_code == 302
    request = ServiceRequest.objects.get(idempotency_key=data["idempotency_key"])
    officer = User.objects.get(username="officer-nocr-tehran")
    transition(request.pk, "start_review", officer)
    transition(request.pk, "ask_info", officer, comment="تصویر خوانا نیست.")
    request.refresh_from_db()
    answer_url = reverse("cases:portal_answer", args=[request.tracking_code])
    answer = {**data, "version": request.version, "idempotency_key": "answer"}
    refused = client.post(answer_url, {**answer, required: "", documents[0]: pdf("clear.pdf")})
    assert refused.status_code == 400
    tokens = tokens_in(refused.content.decode())
    assert list(tokens) == [f"held_{documents[0]}"]
    assert client.post(answer_url, {**answer, **tokens}).status_code == 302
    request.refresh_from_db()
    assert request.status == "resubmitted"
    assert "clear.pdf" in {a.original_name for a in request.attachments.all()}
