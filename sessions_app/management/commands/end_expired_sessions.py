"""End every live session past its lifetime or idle timeout (run it from cron)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sessions_app import services


class Command(BaseCommand):
    help = "End every live session past its lifetime or idle timeout (reason: expired)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=services.EXPIRY_BATCH_SIZE,
            help="sessions ended per transaction (default %(default)s)",
        )

    def handle(self, *args: str, batch_size: int, **options: Any) -> None:
        ended = services.session_end_expired(batch_size=max(batch_size, 1))
        self.stdout.write(f"Ended {ended} expired session(s).")
