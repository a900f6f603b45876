"""The adapter to Iran's card gateways (az-iranian-bank-gateways), on a faked library object
that answers as the library's recorded records do: no network, no package needed."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from pishkhan.payments.errors import PaymentError
from pishkhan.payments.gateways import FAILED, PAID, PENDING, CallbackRejected, GatewayError, azbank
from pishkhan.payments.models import InvoiceStatus, LedgerEntry, Payment, PaymentStatus
from pishkhan.payments.services import begin_online_payment, handle_callback, reconcile_pending

from .conftest import file_online_request, invoice_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("money_settings")]


class FakeLibraryError(Exception):
    pass


class Status:
    # The library's PaymentStatus values (azbankgateways/models/enum.py).
    WAITING = "Waiting"
    REDIRECT_TO_BANK = "Redirect to bank"
    RETURN_FROM_BANK = "Return from bank"
    CANCEL_BY_USER = "Cancel by user"
    EXPIRE_GATEWAY_TOKEN = "Expire gateway token"
    EXPIRE_VERIFY_PAYMENT = "Expire verify payment"
    COMPLETE = "Complete"


@dataclass
class Record:
    """A row of the library's Bank model, as it stores it (the amount is text)."""

    pk: int
    tracking_code: str
    amount: str
    status: str = Status.WAITING
    reference_number: str = ""
    bank_type: str = "BMI"
    bank_choose_identifier: str = "1"

    @property
    def is_success(self) -> bool:
        return self.status == Status.COMPLETE


@dataclass
class Records:
    rows: list[Record] = field(default_factory=list)

    def filter(self, tracking_code: str) -> Records:
        return Records([r for r in self.rows if r.tracking_code == tracking_code])

    def first(self) -> Record | None:
        return self.rows[0] if self.rows else None

    def get(self, pk: int) -> Record:
        return next(r for r in self.rows if r.pk == pk)


class FakeBank:
    def __init__(self, library: FakeLibrary) -> None:
        self.library = library
        self.amount = 0
        self.callback = ""

    def set_request(self, request) -> None:
        pass

    def set_amount(self, amount: int) -> None:
        self.amount = int(amount)

    def set_client_callback_url(self, url: str) -> None:
        self.callback = url

    def set_mobile_number(self, mobile: str) -> None:
        self.library.mobiles.append(mobile)

    def ready(self) -> Record:
        if self.library.down:
            raise FakeLibraryError("connection timed out")
        record = Record(
            pk=next(self.library.ids),
            tracking_code=f"{next(self.library.ids):016d}",
            amount=str(self.amount),
            status=Status.REDIRECT_TO_BANK,
        )
        self.library.Bank.objects.rows.append(record)
        self.record = record
        return record

    def get_gateway(self) -> dict:
        return {
            "url": "https://sadad.shaparak.ir/VPG/Purchase",
            "method": "GET",
            "params": {"Token": f"tok-{self.record.tracking_code}"},
        }

    def verify(self, tracking_code: str) -> None:
        record = self.library.Bank.objects.filter(tracking_code).first()
        if self.library.bank_says == "paid":
            record.status = Status.COMPLETE
            record.reference_number = "RRN" + tracking_code[-6:]
        elif self.library.bank_says == "error":
            raise FakeLibraryError("bank unavailable")


class FakeFactory:
    def __init__(self, library: FakeLibrary) -> None:
        self.library = library
        self.created: list[tuple] = []

    def create(self, bank_type=None, identifier="1") -> FakeBank:
        self.created.append((bank_type, identifier))
        return FakeBank(self.library)

    def auto_create(self, identifier="1", amount=None) -> FakeBank:
        return self.create(None, identifier)


class FakeLibrary:
    Error = FakeLibraryError
    PaymentStatus = Status
    tracking_param = "tc"

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.mobiles: list[str] = []
        self.down = False
        self.bank_says = "paid"
        self.factory = FakeFactory(self)
        self.Bank = type("Bank", (), {"objects": Records()})

    def bank_returns(self, record: Record, status: str, reference: str = "") -> None:
        """What the library's own callback view leaves behind when the bank sends the payer
        back: the record verified (Complete), cancelled, or back but not yet verified."""
        record.status = status
        record.reference_number = reference


@pytest.fixture
def library(settings, monkeypatch) -> FakeLibrary:
    settings.PISHKHAN_PAYMENT_GATEWAY = "az"
    settings.PISHKHAN_AZ_BANK_TYPE = "BMI"
    fake = FakeLibrary()
    monkeypatch.setattr(azbank, "AzLibrary", lambda: fake)
    return fake


def test_the_payer_is_sent_to_the_bank_and_the_verified_record_settles_the_payment(
    client, people, library
):
    request = file_online_request(people)
    invoice = invoice_of(request)
    client.force_login(people["citizen"])
    response = client.post(reverse("payments:pay", args=[request.tracking_code]))
    # A form to the bank's page, with the token it gave.
    assert response.status_code == 200
    start = response.context["start"]
    assert start.url == "https://sadad.shaparak.ir/VPG/Purchase" and "Token" in start.params
    payment = Payment.objects.get(invoice=invoice)
    assert payment.gateway == "az" and payment.authority == start.authority
    assert library.factory.created == [("BMI", "1")]
    assert library.mobiles == [people["citizen"].mobile]
    record = library.Bank.objects.filter(payment.authority).first()
    assert record.amount == str(invoice.total_rials)

    library.bank_returns(record, Status.COMPLETE, "RRN778899")
    callback = reverse("payments:gateway_callback", args=["az"])
    final = client.get(callback, {"tc": record.tracking_code})
    assert final["Location"] == reverse("cases:portal_request", args=[request.tracking_code])
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.reference == "RRN778899"
    assert invoice.status == InvoiceStatus.PAID
    # Replayed: nothing more.
    client.get(callback, {"tc": record.tracking_code})
    assert LedgerEntry.objects.filter(invoice=invoice).count() == 1


def test_an_unknown_tracking_code_or_a_cancelled_payment(client, people, library):
    callback = reverse("payments:gateway_callback", args=["az"])
    assert client.get(callback, {"tc": "0000"}).status_code == 400
    assert client.get(callback).status_code == 400
    with pytest.raises(CallbackRejected):
        handle_callback("az", {"tc": "nope"})
    request = file_online_request(people)
    payment, start = begin_online_payment(
        invoice_of(request).pk, actor=people["citizen"], callback_url="/cb/", request=None
    )
    record = library.Bank.objects.filter(start.authority).first()
    library.bank_returns(record, Status.CANCEL_BY_USER)
    handle_callback("az", {"tc": record.tracking_code})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    assert invoice_of(request).status == InvoiceStatus.UNPAID


def test_a_record_for_another_amount_is_not_accepted(library, people):
    request = file_online_request(people)
    payment, start = begin_online_payment(
        invoice_of(request).pk, actor=people["citizen"], callback_url="/cb/", request=None
    )
    record = library.Bank.objects.filter(start.authority).first()
    record.amount = "1000"
    library.bank_returns(record, Status.COMPLETE, "RRN1")
    handle_callback("az", {"tc": record.tracking_code})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED
    assert invoice_of(request).status == InvoiceStatus.UNPAID


def test_a_bank_that_cannot_be_reached_is_a_clear_error(client, people, library):
    library.down = True
    request = file_online_request(people)
    with pytest.raises(GatewayError) as exc:
        begin_online_payment(
            invoice_of(request).pk, actor=people["citizen"], callback_url="/cb/", request=None
        )
    assert exc.value.code == "unavailable"
    assert Payment.objects.get(invoice__request=request).status == PaymentStatus.FAILED
    client.force_login(people["citizen"])
    response = client.post(reverse("payments:pay", args=[request.tracking_code]), follow=True)
    assert "درگاه پرداخت" in response.content.decode()


def test_reconciliation_verifies_again_a_payment_back_from_the_bank(library, people):
    """Back from the bank but not verified (the bank was slow): the periodic task has the
    library verify again and settles it; one whose bank still does not answer is closed — never
    verified, the bank returns the money."""
    slow, silent = file_online_request(people), file_online_request(people)
    started = {}
    for name, request in (("slow", slow), ("silent", silent)):
        payment, start = begin_online_payment(
            invoice_of(request).pk, actor=people["citizen"], callback_url="/cb/", request=None
        )
        library.bank_returns(
            library.Bank.objects.filter(start.authority).first(), Status.RETURN_FROM_BANK
        )
        started[name] = payment
    library.bank_says = "paid"
    assert reconcile_pending(older_than_minutes=0, limit=1) == {"paid": 1}
    library.bank_says = "error"
    assert reconcile_pending(older_than_minutes=0) == {"failed": 1}
    assert Payment.objects.get(pk=started["slow"].pk).status == PaymentStatus.PAID
    assert Payment.objects.get(pk=started["silent"].pk).status == PaymentStatus.FAILED
    assert invoice_of(slow).status == InvoiceStatus.PAID
    assert invoice_of(silent).status == InvoiceStatus.UNPAID


def test_the_adapter_answers_verify_from_the_library_record(library, people):
    gateway = azbank.AzBankGateway(library=library)
    request = file_online_request(people)
    payment, start = begin_online_payment(
        invoice_of(request).pk, actor=people["citizen"], callback_url="/cb/", request=None
    )
    record = library.Bank.objects.filter(start.authority).first()
    payment.refresh_from_db()
    assert gateway.verify(payment).status == PENDING  # redirected, not back yet
    library.bank_returns(record, Status.RETURN_FROM_BANK)
    library.bank_says = "paid"
    answer = gateway.verify(payment)  # verified again through the library
    assert (answer.status, answer.amount_rials) == (PAID, payment.amount_rials)
    library.bank_returns(record, Status.EXPIRE_VERIFY_PAYMENT)
    assert gateway.verify(payment).status == FAILED
    payment.authority = "missing"
    assert gateway.verify(payment).status == FAILED
    with pytest.raises(PaymentError):
        handle_callback("unknown-gateway", {})
