from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pishkhan.accounts.models import User
from pishkhan.cases.demo import DEMO_PDF, sample_values
from pishkhan.cases.models import ServiceRequest
from pishkhan.cases.services import Upload, submit
from pishkhan.catalog.models import Channel, Service
from pishkhan.core.files import check_upload
from pishkhan.offices.models import Office

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name: str = "doc.pdf", content: bytes = DEMO_PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/pdf")


def file_in_portal(client, service: Service, citizen: User) -> tuple[ServiceRequest, Any]:
    """The citizen's portal form for ``service`` (screen 2), filled with sample values and its
    documents and sent: the request filed, and the answer (a redirect to it)."""
    form_url = reverse("cases:portal_new_request", args=[service.code])
    form = client.get(form_url).context["form"]
    data = {"idempotency_key": form.initial["idempotency_key"]}
    data.update({f"field_{k}": v for k, v in sample_values(service, citizen).items()})
    files = {f"document_{d.pk}": pdf(f"{d.pk}.pdf") for d in form.documents}
    response = client.post(form_url, {**data, **files})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ServiceRequest.objects.get(idempotency_key=data["idempotency_key"]), response


def checked(file: SimpleUploadedFile) -> SimpleUploadedFile:
    file.checked = check_upload(file, file.name, file.size, 5 * 1024 * 1024)
    return file


@pytest.fixture
def service(db) -> Service:
    return Service.objects.get(code="nocr-birth-certificate-duplicate")


@pytest.fixture
def operator(db) -> User:
    return User.objects.get(username="operator-1001")


@pytest.fixture
def office(db) -> Office:
    return Office.objects.get(licence_number="23-1001")


@pytest.fixture
def citizen(db) -> User:
    return User.objects.get(username="9990000018")


@pytest.fixture
def officer(db) -> User:
    return User.objects.get(username="officer-nocr-tehran")


def uploads_for(service: Service) -> list[Upload]:
    return [Upload(d.pk, checked(pdf())) for d in service.documents.filter(is_mandatory=True)]


@pytest.fixture
def file_request(service, citizen, operator, office):
    """File an office request; keyword arguments override the defaults."""

    def make(**overrides):
        arguments = {
            "service": service,
            "citizen": citizen,
            "channel": Channel.OFFICE,
            "actor": operator,
            "office": office,
            "form_values": sample_values(service, citizen),
            "uploads": uploads_for(service),
        }
        arguments.update(overrides)
        return submit(**arguments)

    return make
