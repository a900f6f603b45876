"""Rotating the key that signs receipts' and certificates' QR codes: paper printed before a
rotation keeps verifying, /verify/keys/ publishes the current key first and the retired ones
after it, and a configured key is rotated by the operator, never by the command."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone

from pishkhan.accounts.models import User
from pishkhan.catalog.models import Service
from pishkhan.education import certificates
from pishkhan.education.models import Certificate
from pishkhan.payments import signing
from pishkhan.payments.models import Invoice
from pishkhan.payments.receipts import TokenCheck, build_receipt, check_token, claims, signed_token
from tests.education.test_certificates import STUDENT, issued

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _embedded_key(settings, tmp_path):
    """The embedded default, in a var folder of the test's own."""
    settings.PISHKHAN_SIGNING_KEY = ""
    settings.PISHKHAN_RETIRED_SIGNING_KEYS = ""
    settings.VAR_DIR = tmp_path
    settings.PISHKHAN_STAFF_OTP = False
    cache.clear()
    yield
    cache.clear()


def public_pem(key: Ed25519PrivateKey) -> str:
    return signing.public_key_pem(key.public_key())


def published(client) -> list[dict]:
    response = client.get("/verify/keys/")
    assert response.status_code == 200
    return json.loads(response.content)["keys"]


def a_receipt():
    invoice = Invoice.objects.select_related("request").get(
        request__idempotency_key="demo-office-submitted"
    )
    return build_receipt(invoice)


def an_issued_certificate() -> Certificate:
    return issued(
        Service.objects.get(code=certificates.ACADEMIC_SERVICE),
        User.objects.get(role="citizen", national_code=STUDENT),
        User.objects.get(username="sanjesh-tehran"),
    )


def test_paper_printed_before_a_rotation_still_verifies(client, tmp_path, capsys):
    receipt = a_receipt()
    certificate = an_issued_certificate()
    old_receipt_token = signed_token(receipt)
    old_certificate_token = certificates.signed_token(certificate)
    old_key = signing.key_fingerprint()

    call_command("signing_key", "rotate")

    new_key = signing.key_fingerprint()  # this process sees the new key without a restart
    assert new_key != old_key
    out = capsys.readouterr().out
    assert f"retired {old_key}" in out and f"current {new_key}" in out
    assert check_token(receipt, old_receipt_token).status == TokenCheck.VALID
    assert certificates.check_token(certificate, old_certificate_token).status == TokenCheck.VALID
    assert check_token(receipt, signed_token(receipt)).status == TokenCheck.VALID
    # The public page says so too.
    page = client.get(f"/verify/{certificate.verification_code}/", {"s": old_certificate_token})
    assert "signature-valid" in page.content.decode()
    # New paper is signed with the new key only.
    assert signing.verify_payload(signed_token(receipt), signing.public_key())
    with pytest.raises(signing.InvalidToken):
        signing.verify_payload(signed_token(receipt), signing.retired_public_keys()[0])
    keys = published(client)
    assert [(key["sha256"], key["status"]) for key in keys] == [
        (new_key, "current"),
        (old_key, "retired"),
    ]
    # A verifier offline: the old token checks with the retired key as published.
    assert signing.verify_payload(old_receipt_token, keys[1]["pem"])
    # Without the retired key the old paper would read "not valid": the list is what keeps it.
    (tmp_path / signing.RETIRED_KEYS_FILE_NAME).unlink()
    assert check_token(receipt, old_receipt_token).status == TokenCheck.INVALID
    assert len(published(client)) == 1


def test_two_rotations_keep_both_earlier_keys_and_a_stranger_stays_out(client):
    receipt = a_receipt()
    tokens = [signed_token(receipt)]
    for _ in range(2):
        call_command("signing_key", "rotate", stdout=None)
        tokens.append(signed_token(receipt))
    assert [key["status"] for key in published(client)] == ["current", "retired", "retired"]
    assert all(check_token(receipt, token).status == TokenCheck.VALID for token in tokens)
    forged = signing.sign_payload(claims(receipt, timezone.now()), Ed25519PrivateKey.generate())
    assert check_token(receipt, forged).status == TokenCheck.INVALID


def test_a_configured_key_is_rotated_by_the_operator(settings, client, tmp_path):
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    settings.PISHKHAN_SIGNING_KEY = _private_pem(old)
    receipt = a_receipt()
    old_token = signed_token(receipt)
    with pytest.raises(CommandError, match="PISHKHAN_RETIRED_SIGNING_KEYS") as refused:
        call_command("signing_key", "rotate")
    assert public_pem(old).strip() in str(refused.value)
    assert list(tmp_path.iterdir()) == []  # nothing generated or written
    # What the message says to do: the new key in place, the old public key retired.
    settings.PISHKHAN_SIGNING_KEY = _private_pem(new)
    assert check_token(receipt, old_token).status == TokenCheck.INVALID
    settings.PISHKHAN_RETIRED_SIGNING_KEYS = public_pem(old)
    assert check_token(receipt, old_token).status == TokenCheck.VALID
    assert [key["sha256"] for key in published(client)] == [
        signing.key_fingerprint(new.public_key()),
        signing.key_fingerprint(old.public_key()),
    ]
    # The current key listed again as retired is published once.
    settings.PISHKHAN_RETIRED_SIGNING_KEYS = public_pem(old) + public_pem(new)
    assert len(published(client)) == 2


def test_show_lists_the_published_keys(settings, capsys):
    old = Ed25519PrivateKey.generate()
    settings.PISHKHAN_SIGNING_KEY = signing.generate_private_key_pem()
    settings.PISHKHAN_RETIRED_SIGNING_KEYS = public_pem(old)
    call_command("signing_key", "show")
    out = capsys.readouterr().out
    assert f"current {signing.key_fingerprint()}" in out
    assert f"retired {signing.key_fingerprint(old.public_key())}" in out
    assert out.count("-----BEGIN PUBLIC KEY-----") == 2


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not a key", "no PEM public key"),
        (signing.generate_private_key_pem(), "no PEM public key"),
        (
            ec.generate_private_key(ec.SECP256R1())
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode(),
            "key 1 is not an Ed25519 public key",
        ),
    ],
)
def test_bad_retired_keys_fail_loudly(settings, text, reason):
    settings.PISHKHAN_RETIRED_SIGNING_KEYS = text
    with pytest.raises(ImproperlyConfigured, match=reason):
        signing.published_public_keys()


def _private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def test_the_console_command_takes_the_hyphenated_name(capsys):
    from pishkhan.cli import main

    main(["signing-key", "show"])
    assert f"current {signing.key_fingerprint()}" in capsys.readouterr().out


def test_the_system_check_names_a_bad_key_before_anything_is_served(settings):
    from pishkhan.payments.checks import signing_keys

    assert signing_keys() == []
    settings.PISHKHAN_SIGNING_KEY = "not a key"
    settings.PISHKHAN_RETIRED_SIGNING_KEYS = "not a key either"
    assert [error.id for error in signing_keys()] == ["pishkhan.E001", "pishkhan.E002"]
    assert "PISHKHAN_SIGNING_KEY" in signing_keys()[0].msg
    assert "retired signing keys (setting)" in signing_keys()[1].msg


def test_the_system_check_reads_the_embedded_retired_keys(settings, tmp_path):
    from pishkhan.payments.checks import signing_keys

    (tmp_path / signing.RETIRED_KEYS_FILE_NAME).write_text("garbage\n")
    assert [error.id for error in signing_keys()] == ["pishkhan.E002"]
    assert signing.RETIRED_KEYS_FILE_NAME in signing_keys()[0].msg
    assert not (tmp_path / signing.KEY_FILE_NAME).exists()  # checking makes no key


def test_the_deploy_check_asks_for_a_shared_signing_key(settings):
    from django.core.management.base import SystemCheckError

    from pishkhan.payments.checks import signing_key_is_shared

    settings.PISHKHAN_SIGNING_KEY = ""
    assert [warning.id for warning in signing_key_is_shared()] == ["pishkhan.W001"]
    # Only with --deploy: the embedded default makes its own key on purpose.
    call_command("check", "--fail-level", "WARNING")
    with pytest.raises(SystemCheckError, match="PISHKHAN_SIGNING_KEY is not set"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")
    settings.PISHKHAN_SIGNING_KEY = signing.generate_private_key_pem()
    assert signing_key_is_shared() == []
