"""``pishkhan signing-key show`` and ``pishkhan signing-key rotate`` (docs/receipts.md,
"The signing key").

The key signs the QR payloads of receipts and certificates. ``show`` prints the published keys;
``rotate`` replaces the embedded default's key and keeps its public half published, so what it
signed still verifies. A configured key (``PISHKHAN_SIGNING_KEY``) is rotated by the operator:
the command says how instead of touching it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pishkhan.payments import signing

CONFIGURED_KEY_STEPS = """\
The signing key is configured (PISHKHAN_SIGNING_KEY or PISHKHAN_SIGNING_KEY_FILE), so it is
rotated where it is kept:
  1. add the current public key (below) to PISHKHAN_RETIRED_SIGNING_KEYS (or its _FILE);
  2. put a new key in its place: openssl genpkey -algorithm ed25519;
  3. restart the web and worker processes.
Current public key:
"""


class Command(BaseCommand):
    help = "Show the keys that sign receipts' and certificates' QR codes, or rotate the key."

    def add_arguments(self, parser: Any) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        subcommands.add_parser("show", help="The current key and the retired ones, published.")
        subcommands.add_parser(
            "rotate",
            help="A new key for the embedded default; the old one stays published as retired.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "rotate":
            self._rotate()
        else:
            self._show()

    def _show(self) -> None:
        for index, key in enumerate(signing.published_public_keys()):
            status = "retired" if index else "current"
            self.stdout.write(f"{status} {signing.key_fingerprint(key)}")
            self.stdout.write(signing.public_key_pem(key))

    def _rotate(self) -> None:
        if settings.PISHKHAN_SIGNING_KEY:
            raise CommandError(CONFIGURED_KEY_STEPS + signing.public_key_pem())
        retired, new = signing.rotate_embedded_key(str(settings.VAR_DIR))
        self.stdout.write(f"retired {signing.key_fingerprint(retired)}")
        self.stdout.write(f"current {signing.key_fingerprint(new)}")
        self.stdout.write(
            "Receipts and certificates printed before keep verifying with the retired key; "
            "verifiers who keep a copy of /verify/keys/ should fetch it again."
        )
