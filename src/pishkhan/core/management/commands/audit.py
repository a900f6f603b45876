"""``pishkhan audit verify`` and ``pishkhan audit checkpoint`` (see docs/audit.md).

``verify`` exits with status 1 on any problem, so cron or CI can alert on it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pishkhan.core.audit import DEFAULT_SETTLE_SECONDS, make_checkpoint, verify


class Command(BaseCommand):
    help = "Check the audit log's hash chains, or close new events into a checkpoint."

    def add_arguments(self, parser: Any) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        check = subcommands.add_parser(
            "verify", help="Check every subject's chain and the checkpoint chain."
        )
        check.add_argument(
            "--max-problems", type=int, default=100, help="List at most this many problems."
        )
        close = subcommands.add_parser(
            "checkpoint", help="Close the settled events since the last checkpoint into one."
        )
        close.add_argument(
            "--settle-seconds",
            type=int,
            default=DEFAULT_SETTLE_SECONDS,
            help="Leave out events younger than this (default %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "checkpoint":
            self._checkpoint(options["settle_seconds"])
        else:
            self._verify(options["max_problems"])

    def _checkpoint(self, settle_seconds: int) -> None:
        checkpoint = make_checkpoint(settle_seconds)
        if checkpoint is None:
            self.stdout.write("No settled events since the last checkpoint: nothing to do.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint {checkpoint.pk}: events {checkpoint.first_event_id}.."
                f"{checkpoint.last_event_id} ({checkpoint.event_count}), hash {checkpoint.hash}"
            )
        )

    def _verify(self, max_problems: int) -> None:
        result = verify(max_problems)
        self.stdout.write(
            f"{result.events} events in {result.subjects} subjects; {result.checkpoints} "
            f"checkpoints covering {result.covered_events} events; {result.pending_events} "
            "events awaiting the next checkpoint."
        )
        if result.ok:
            self.stdout.write(self.style.SUCCESS("audit log intact"))
            return
        self.stderr.write(f"audit log BROKEN: {result.problem_count} problems, earliest first:")
        for problem in result.problems:
            self.stderr.write(f"  {problem}")
        raise SystemExit(1)
