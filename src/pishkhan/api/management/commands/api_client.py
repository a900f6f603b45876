"""``pishkhan api-client create|list|new-token|revoke|webhook|deliver`` (docs/api.md, "The
agency API" and "Webhooks").

``create`` makes an agency's system a client: a service account with the agency role and scope
of an officer (one province, or national), and a token printed once. ``new-token`` replaces a
lost or leaked token; ``revoke`` stops the client at once. Nothing prints a token again.
``webhook NAME URL`` sets where the client hears of its requests' changes, prints the signing
secret once and sends a signed ping; ``webhook NAME --remove`` stops it. ``deliver`` sends the
due deliveries now (what the worker does every 30 s).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from pishkhan.accounts.models import User
from pishkhan.accounts.roles import Role
from pishkhan.api import webhooks
from pishkhan.api.models import ApiClient, Webhook
from pishkhan.catalog.models import Agency
from pishkhan.core.models import Province
from pishkhan.offices.models import Office

ROLES = {"officer": Role.AGENCY_OFFICER, "assessment": Role.ASSESSMENT_OFFICER}


class Command(BaseCommand):
    help = (
        "Credentials of agencies' systems on the API: create, list, new-token, revoke; their "
        "webhooks: webhook, deliver."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        create = sub.add_parser("create", help="A new client; prints its token once.")
        create.add_argument("name", help="e.g. 'NOCR Tehran back office'")
        whose = create.add_mutually_exclusive_group(required=True)
        whose.add_argument("--agency", help="The agency's code, e.g. nocr.")
        whose.add_argument(
            "--office", help="An office's licence number, e.g. 23-1001: its counter software."
        )
        create.add_argument(
            "--province", help="The province's SCI code (e.g. 23); none: the whole country."
        )
        create.add_argument(
            "--role",
            choices=sorted(ROLES),
            default="officer",
            help="officer (default) or assessment",
        )
        sub.add_parser("list", help="The clients, their scope and whether they are active.")
        for name, text in (("new-token", "Replace a client's token"), ("revoke", "Stop a client")):
            one = sub.add_parser(name, help=text)
            one.add_argument("name")
        hook = sub.add_parser("webhook", help="Set (or --remove) a client's webhook.")
        hook.add_argument("name")
        hook.add_argument("url", nargs="?", help="https://… where deliveries are posted")
        hook.add_argument("--remove", action="store_true", help="Stop the client's webhook.")
        sub.add_parser("deliver", help="Send the due webhook deliveries now.")

    def handle(self, *args: Any, **options: Any) -> None:
        command = options["subcommand"]
        if command == "create":
            self._create(options)
        elif command == "webhook":
            self._webhook(options)
        elif command == "deliver":
            counts = webhooks.deliver_due()
            self.stdout.write(
                f"Webhook deliveries: {counts['sent']} sent, {counts['pending']} to retry, "
                f"{counts['failed']} failed."
            )
        elif command == "list":
            for client in ApiClient.objects.select_related(
                "user__agency", "user__province", "user__office"
            ):
                user = client.user
                scope = user.province.name_en if user.province else "national"
                owner = user.agency or user.office
                owner = getattr(owner, "code", None) or getattr(owner, "licence_number", "-")
                state = "active" if client.is_active else "revoked"
                hook = Webhook.objects.filter(client=client, is_active=True).first()
                self.stdout.write(
                    f"{client.name}\t{owner}\t{scope}\t"
                    f"{user.role}\t{client.prefix}…\t{state}\t{hook.url if hook else '-'}"
                )
        else:
            client = ApiClient.objects.filter(name=options["name"]).first()
            if client is None:
                raise CommandError(f"No API client is named {options['name']!r}.")
            if command == "revoke":
                client.is_active = False
                client.save(update_fields=["is_active"])
                self.stdout.write(f"Revoked: {client.name}. Its token no longer works.")
            else:
                token = client.new_token()
                client.is_active = True
                client.save(update_fields=["prefix", "secret_hash", "is_active"])
                self._print_token(client, token)

    def _create(self, options: dict[str, Any]) -> None:
        name = options["name"].strip()
        agency = office = province = None
        role = ROLES[options["role"]]
        if options["office"]:
            # An office's counter software: an operator of that office, in its province.
            office = Office.objects.filter(licence_number=options["office"]).first()
            if office is None:
                raise CommandError(f"No office has the licence number {options['office']!r}.")
            if options["province"] or options["role"] != "officer":
                raise CommandError("An office's client takes neither --province nor --role.")
            role, province = Role.OFFICE_OPERATOR, office.province
        else:
            agency = Agency.objects.filter(code=options["agency"], is_active=True).first()
            if agency is None:
                raise CommandError(f"No active agency has the code {options['agency']!r}.")
        if options["province"]:
            province = Province.objects.filter(sci_code=options["province"]).first()
            if province is None:
                raise CommandError(f"No province has the SCI code {options['province']!r}.")
        if not name or ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"Give a name no other client has (got {name!r}).")
        # Persian names keep their letters (usernames allow them); a name of symbols alone gets
        # random ones.
        username = f"api-{slugify(name, allow_unicode=True)[:100] or secrets.token_hex(4)}"
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named {username!r} exists already; choose another name.")
        with transaction.atomic():
            user = User(
                username=username,
                first_name=name[:150],
                last_name="(API)",
                role=role,
                agency=agency,
                office=office,
                province=province,
            )
            user.set_unusable_password()  # it never signs in on a page
            user.full_clean(exclude=["password"])
            user.save()
            client = ApiClient(name=name, user=user)
            token = client.new_token()
            client.save()
        self._print_token(client, token)

    def _webhook(self, options: dict[str, Any]) -> None:
        client = ApiClient.objects.filter(name=options["name"]).first()
        if client is None:
            raise CommandError(f"No API client is named {options['name']!r}.")
        if options["remove"]:
            removed, _ = Webhook.objects.filter(client=client).delete()
            self.stdout.write(
                f"Webhook removed: {client.name}." if removed else f"{client.name} had no webhook."
            )
            return
        if not options["url"]:
            raise CommandError("Give the webhook's address (https://…), or --remove.")
        try:
            url = webhooks.check_url(options["url"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        hook = Webhook.objects.filter(client=client).first() or Webhook(client=client)
        hook.url, hook.is_active = url, True
        secret = hook.new_secret()
        hook.save()
        self.stdout.write(f"Webhook of {client.name}: {url}")
        self.stdout.write(f"Signing secret (shown once; receivers check with it): {secret}")
        outcome = webhooks.ping(hook)
        if outcome.ok:
            self.stdout.write(f"Ping answered: HTTP {outcome.status_code}.")
        else:
            self.stdout.write(
                f"Ping not answered ({outcome.error}). Deliveries are kept and retried; "
                "check the address and the receiver."
            )

    def _print_token(self, client: ApiClient, token: str) -> None:
        self.stdout.write(f"API client: {client.name}")
        self.stdout.write(f"Token (shown once; keep it in the client's secret store): {token}")
        self.stdout.write("Use: Authorization: Bearer <token>")
