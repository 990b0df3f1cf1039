"""End every live session past its lifetime or idle timeout (run it from cron)."""

from typing import Any

from django.core.management.base import BaseCommand

from sessions_app import services


class Command(BaseCommand):
    help = "End every live session past its lifetime or idle timeout (reason: expired)."

    def handle(self, *args: str, **options: Any) -> None:
        ended = services.session_end_expired()
        self.stdout.write(f"Ended {ended} expired session(s).")
