"""``pishkhan generate --requests N [--seed S]``: synthetic requests with their audit trails,
consistent with the models, for dashboards, demos and the bench; then the rollups made current.
Needs the catalogue and reference data (``pishkhan demo``). docs/insights.md, "Generating data
and the dashboard bench"."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pishkhan.insights import generate


class Command(BaseCommand):
    help = "Generate synthetic service requests with their audit events, then the rollups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--requests", type=int, required=True, help="How many requests.")
        parser.add_argument("--seed", type=int, default=1405, help="Random seed (default 1405).")
        parser.add_argument(
            "--years", type=float, default=3.0, help="Filed over the last this many years (3)."
        )
        parser.add_argument(
            "--citizens",
            type=int,
            default=None,
            help="Generated citizens to draw from (default: requests / 5, at least 1,000); "
            "missing ones are created, existing ones reused.",
        )
        parser.add_argument(
            "--offices",
            type=int,
            default=300,
            help="Generated offices over the provinces by population (default 300).",
        )
        parser.add_argument(
            "--rollups",
            choices=["auto", "sql", "python", "none"],
            default="auto",
            help="Make the rollups current afterwards: sql (PostgreSQL), python (the event "
            "replay of `rollup rebuild`), none; auto: sql on PostgreSQL, else python.",
        )
        parser.add_argument(
            "--drop-indexes",
            choices=["auto", "yes", "no"],
            default="auto",
            help="PostgreSQL: build the two tables' secondary indexes and constraints again "
            "after loading instead of keeping them up row by row (auto: from 200,000 requests).",
        )
        parser.add_argument("--json", help="Write the figures to this file as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["requests"] < 0:
            raise CommandError("--requests must not be negative")
        try:
            result = generate.generate(
                options["requests"],
                seed=options["seed"],
                years=options["years"],
                citizens=options["citizens"],
                offices=options["offices"],
                rollups=options["rollups"],
                drop_indexes=options["drop_indexes"],
                say=self.stdout.write,
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        figures = {
            "requests": result.requests,
            "events": result.events,
            "seconds": round(result.seconds, 2),
            "requests_per_s": round(result.requests_per_s),
            "events_per_s": round(result.events_per_s),
            "index_seconds": round(result.index_seconds, 2),
            "rollup_seconds": round(result.rollup_seconds, 2),
            "rollup_method": result.rollup_method,
            "reference_seconds": round(result.reference_seconds, 2),
            "created": result.created,
            "by_status": result.by_status,
            "ids": [result.first_id, result.last_id],
        }
        if options["json"]:
            with open(options["json"], "w", encoding="utf-8") as handle:
                json.dump(figures, handle, indent=1)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.requests:,} requests and {result.events:,} events generated: "
                f"{result.requests_per_s:,.0f} requests/s, {result.events_per_s:,.0f} events/s."
            )
        )
