"""The platform's Ed25519 key, and the signed payloads printed in receipts' QR codes.

A token is ``base64url(payload) "." base64url(signature)`` (no padding), where ``payload`` is
canonical JSON (keys sorted, no spaces, ASCII) and the signature is Ed25519 over exactly those
bytes. Anyone holding only the public key (``/verify/public-key/``) can check a token offline with
:func:`verify_payload`, or with OpenSSL (docs/receipts.md).

The key: ``PISHKHAN_SIGNING_KEY`` (an Ed25519 private key in PEM), in production read from the
file ``PISHKHAN_SIGNING_KEY_FILE`` names. Without it (the embedded default) a key is generated
once into ``PISHKHAN_VAR_DIR`` and reused by every process of that machine.

Rotation: the public keys of earlier keys stay published and accepted beside the current one, so
paper printed before a rotation still verifies (``published_public_keys``, decision 35):
``PISHKHAN_RETIRED_SIGNING_KEYS`` (PEM public keys, or ``…_FILE``), and in the embedded default
the ones ``pishkhan signing-key rotate`` set aside under ``PISHKHAN_VAR_DIR``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "receipt-signing-key.pem"
RETIRED_KEYS_FILE_NAME = "retired-signing-keys.pem"
SIGNATURE_BYTES = 64
# A QR code holds a few hundred bytes; a token far longer than ours is not one of ours.
MAX_TOKEN_LENGTH = 1024
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")
_PEM_PUBLIC_KEY = re.compile(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", re.DOTALL)


class InvalidToken(ValueError):
    """The token is malformed, or its signature does not verify with the key given."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not _BASE64URL.fullmatch(text):
        raise InvalidToken("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("not base64url") from exc


def canonical_bytes(payload: dict[str, Any]) -> bytes:
    """The one byte string a payload is signed as."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def sign_payload(payload: dict[str, Any], key: Ed25519PrivateKey | None = None) -> str:
    """``base64url(canonical payload).base64url(Ed25519 signature)``."""
    key = key or signing_key()
    body = canonical_bytes(payload)
    return f"{b64url_encode(body)}.{b64url_encode(key.sign(body))}"


def load_public_key(public_key: Ed25519PublicKey | bytes | str) -> Ed25519PublicKey:
    """A public key from the key itself, its 32 raw bytes, or PEM text (str or bytes)."""
    if isinstance(public_key, Ed25519PublicKey):
        return public_key
    if isinstance(public_key, bytes) and len(public_key) == 32:
        return Ed25519PublicKey.from_public_bytes(public_key)
    data = public_key.encode("ascii") if isinstance(public_key, str) else public_key
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError("not an Ed25519 public key (PEM or 32 raw bytes)") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def verify_payload(token: str, public_key: Ed25519PublicKey | bytes | str) -> dict[str, Any]:
    """The payload of a token whose signature verifies with ``public_key``; else InvalidToken.

    Needs nothing but the public key: no database, no settings, no secret."""
    key = load_public_key(public_key)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise InvalidToken("malformed token")
    body_part, signature_part = token.split(".")
    body = b64url_decode(body_part)
    signature = b64url_decode(signature_part)
    if len(signature) != SIGNATURE_BYTES:
        raise InvalidToken("malformed signature")
    try:
        key.verify(signature, body)
    except InvalidSignature as exc:
        raise InvalidToken("the signature does not verify") from exc
    try:
        payload = json.loads(body.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:  # signed, yet not ours: refuse all the same
        raise InvalidToken("the payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidToken("the payload is not a JSON object")
    return payload


# --- the platform's keys ----------------------------------------------------------------------


def signing_key() -> Ed25519PrivateKey:
    pem = getattr(settings, "PISHKHAN_SIGNING_KEY", "")
    if pem:
        return _key_from_pem(pem)
    return _key_in_var_dir(str(settings.VAR_DIR))


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_pem(key: Ed25519PublicKey | None = None) -> str:
    return (
        (key or public_key())
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def public_key_raw(key: Ed25519PublicKey | None = None) -> bytes:
    return (key or public_key()).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def key_fingerprint(key: Ed25519PublicKey | None = None) -> str:
    """SHA-256 of the raw public key, hex: to compare a copy of the key by eye or by script."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()


def retired_public_keys() -> list[Ed25519PublicKey]:
    """The public keys of earlier signing keys, still accepted for what they signed: those of
    ``PISHKHAN_RETIRED_SIGNING_KEYS`` and, in the embedded default, those set aside by
    ``pishkhan signing-key rotate``. A key that may have leaked is taken off this list, not
    kept on it (docs/receipts.md)."""
    keys = list(
        _public_keys_from_pem(getattr(settings, "PISHKHAN_RETIRED_SIGNING_KEYS", ""), "setting")
    )
    if not getattr(settings, "PISHKHAN_SIGNING_KEY", ""):
        path = Path(settings.VAR_DIR) / RETIRED_KEYS_FILE_NAME
        try:
            text = path.read_text(encoding="ascii")
        except FileNotFoundError:
            text = ""
        keys.extend(_public_keys_from_pem(text, str(path)))
    return keys


def published_public_keys() -> list[Ed25519PublicKey]:
    """The current public key first, then the retired ones, each once: what ``/verify/keys/``
    publishes and what a token is checked against."""
    current = public_key()
    published, seen = [current], {public_key_raw(current)}
    for key in retired_public_keys():
        raw = public_key_raw(key)
        if raw not in seen:
            published.append(key)
            seen.add(raw)
    return published


def verify_published(token: str) -> dict[str, Any]:
    """The payload of a token signed by the current key or a retired one; else InvalidToken.
    The current key is tried first, so paper printed since the last rotation costs one check."""
    refused: InvalidToken | None = None
    for key in published_public_keys():
        try:
            return verify_payload(token, key)
        except InvalidToken as exc:
            refused = exc
    assert refused is not None  # there is always the current key
    raise refused


def generate_private_key_pem() -> str:
    """A new Ed25519 private key as PKCS#8 PEM (what ``openssl genpkey -algorithm ed25519``
    writes)."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


def rotate_embedded_key(var_dir: str) -> tuple[Ed25519PublicKey, Ed25519PublicKey]:
    """The embedded default's rotation: the current key's public half joins the retired keys,
    then a new key replaces the current one. Returns (retired, new) public keys.

    In that order, so a crash between the two leaves the old key current and merely published
    twice; never a key that signed something and is no longer published. Processes already
    running pick the new key up at their next signature (the key file is checked by its inode
    and modification time), and accept the retired one meanwhile."""
    path = Path(var_dir) / KEY_FILE_NAME
    retired = _key_in_var_dir(var_dir).public_key()
    with open(path.with_name(RETIRED_KEYS_FILE_NAME), "a", encoding="ascii") as file:
        file.write(public_key_pem(retired))
        file.flush()
        os.fsync(file.fileno())
    temporary = _write_new_key_beside(path)
    os.replace(temporary, path)
    return retired, _key_in_var_dir(var_dir).public_key()


@lru_cache(maxsize=8)
def _key_from_pem(pem: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.strip().encode("ascii"), password=None)
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm) as exc:
        raise ImproperlyConfigured(
            "PISHKHAN_SIGNING_KEY (or the file PISHKHAN_SIGNING_KEY_FILE names) is not a PEM "
            "private key without a passphrase"
        ) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(
            "PISHKHAN_SIGNING_KEY must be an Ed25519 key (openssl genpkey -algorithm ed25519)"
        )
    return key


@lru_cache(maxsize=16)
def _public_keys_from_pem(text: str, source: str) -> tuple[Ed25519PublicKey, ...]:
    blocks = _PEM_PUBLIC_KEY.findall(text)
    if text.strip() and not blocks:
        raise ImproperlyConfigured(
            f"retired signing keys ({source}): no PEM public key (-----BEGIN PUBLIC KEY-----)"
        )
    keys = []
    for number, block in enumerate(blocks, start=1):
        try:
            keys.append(load_public_key(block))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"retired signing keys ({source}): key {number} is not an Ed25519 public key"
            ) from exc
    return tuple(keys)


def _key_in_var_dir(var_dir: str) -> Ed25519PrivateKey:
    """The embedded default: one key per machine, made by whichever process needs it first."""
    path = Path(var_dir) / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = _write_new_key_beside(path)
        try:
            # A hard link appears whole or not at all, and fails if another process (another
            # gunicorn worker) made the key first: then everyone uses that one.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    status = path.stat()
    # Read again only when the file was replaced (a rotation): a stat per signature, not a read.
    return _key_in_file(str(path), status.st_ino, status.st_mtime_ns)


@lru_cache(maxsize=8)
def _key_in_file(path: str, inode: int, modified_ns: int) -> Ed25519PrivateKey:
    return _key_from_pem(Path(path).read_text(encoding="ascii"))


def _write_new_key_beside(path: Path) -> Path:
    """A new private key, written whole and synced to a temporary file (mode 0600) beside
    ``path``: for a link or a rename into place."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(generate_private_key_pem())
        file.flush()
        os.fsync(file.fileno())
    return temporary
