"""Create the demo admin and users (again, if they exist) and print their logins."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.demo import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = (
        "Create the demo admin and users, or reset their passwords, and print the "
        "logins. Refuses, changing nothing, if another account holds a demo username "
        "or mobile."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            services.user_ensure_demo()
        except ValidationError as error:
            # One line on stderr and exit status 1, as Django prints a CommandError.
            problems = " ".join(error.messages)
            raise CommandError(f"{problems} Nothing was changed.") from None
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for demo in DEMO_USERS:
            role = "staff, /admin/" if demo.is_staff else "member"
            self.stdout.write(f"  {demo.username:<8} {demo.mobile:<15} {role}")
