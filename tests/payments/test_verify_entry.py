"""/verify/: where a verifier types the code from the paper (receipts and certificates)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from pishkhan.education.models import Certificate
from pishkhan.payments.models import Invoice

pytestmark = pytest.mark.django_db

PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def test_the_page_asks_for_the_code_and_is_linked_from_every_page(client):
    page = client.get("/verify/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="code"' in html and "راستی‌آزمایی رسید یا گواهی" in html
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert 'href="/verify/"' in client.get("/").content.decode()


def test_a_code_typed_from_paper_goes_to_its_page(client):
    code = Certificate.objects.first().verification_code
    typed = " ".join(code[i : i + 4] for i in range(0, 16, 4)).lower().translate(PERSIAN_DIGITS)
    answer = client.get("/verify/", {"code": typed})
    assert answer.status_code == 302
    assert answer["Location"] == f"/verify/{code}/"
    assert "certificate-valid" in client.get(answer["Location"]).content.decode()


def test_receipts_too(client):
    code = Invoice.objects.first().verification_code
    answer = client.get("/verify/", {"code": f"{code[:8]}-{code[8:]}"}, follow=True)
    assert answer.status_code == 200
    assert "verify-breakdown" in answer.content.decode()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "کد راستی‌آزمایی چاپ‌شده"),
        ("ABCD-EFGH", "۱۶ حرف و رقم"),
        ("ABCD-EFGH-JKMN-PQRU", "۱۶ حرف و رقم"),  # 16, but U is not in the alphabet
        ("کد راستی آزمایی", "۱۶ حرف و رقم"),
    ],
)
def test_a_malformed_code_is_said_so_on_the_form(client, typed, message):
    answer = client.get("/verify/", {"code": typed})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert message in html and 'aria-invalid="true"' in html


def test_an_unknown_code_offers_to_type_it_again(client):
    answer = client.get("/verify/ABCDEFGHJKMNPQRS/")
    assert answer.status_code == 404
    assert 'href="/verify/"' in answer.content.decode()


def test_a_verification_code_is_one_draw_of_80_bits_in_crockfords_alphabet(monkeypatch):
    """Ten random bytes are sixteen base32 symbols; each 5-bit value becomes Crockford's symbol
    of the same value (one draw, not one per symbol)."""
    import base64

    from pishkhan.payments import models as payment_models

    for standard, crockford in [
        ("AAAAAAAAAAAAAAAA", "0000000000000000"),
        ("ABCDEFGHIJKLMNOP", "0123456789ABCDEF"),
        ("QRSTUVWXYZ234567", "GHJKMNPQRSTVWXYZ"),
    ]:
        drawn = base64.b32decode(standard)
        monkeypatch.setattr(payment_models.secrets, "token_bytes", lambda n, b=drawn: b[:n])
        assert payment_models.new_verification_code() == crockford
