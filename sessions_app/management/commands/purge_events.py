"""Delete security events older than an age, on their own schedule (from cron)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from config.batches import DELETE_BATCH_SIZE
from config.durations import parse_age
from sessions_app import services


class Command(BaseCommand):
    help = "Delete security events older than --older-than (default 365d), in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            default="365d",
            help="age such as 365d (default), 12h or 30m",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DELETE_BATCH_SIZE,
            help="events deleted per transaction (default %(default)s)",
        )

    def handle(
        self, *args: str, older_than: str, batch_size: int, **options: Any
    ) -> None:
        try:
            age = parse_age(older_than)
        except ValueError as error:
            raise CommandError(f"--older-than takes {error}.") from None
        deleted = services.security_event_purge(
            before=timezone.now() - age, batch_size=max(batch_size, 1)
        )
        self.stdout.write(
            f"Deleted {deleted} security event(s) older than {older_than}."
        )
