"""Delete sessions (and their security events) that ended long ago."""

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from config.batches import DELETE_BATCH_SIZE
from sessions_app import services

AGE = re.compile(r"^(\d+)([dhm])$")
UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_age(raw: str) -> timedelta:
    """Turn "90d", "12h" or "30m" into a timedelta."""
    match = AGE.match(raw.strip())
    if not match:
        raise CommandError(
            f"--older-than takes an age such as 90d, 12h or 30m, not {raw!r}."
        )
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


class Command(BaseCommand):
    help = "Delete sessions that ended more than --older-than ago, with their events."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than", default="90d", help="age such as 90d (default), 12h or 30m"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DELETE_BATCH_SIZE,
            help="sessions deleted per transaction (default %(default)s)",
        )

    def handle(
        self, *args: str, older_than: str, batch_size: int, **options: Any
    ) -> None:
        age = parse_age(older_than)
        deleted = services.session_purge_ended(
            before=timezone.now() - age, batch_size=max(batch_size, 1)
        )
        self.stdout.write(
            f"Deleted {deleted} session(s) that ended over {older_than} ago."
        )
