"""Create the demo admin and users (again, if they exist) and print their logins."""
from django.core.management.base import BaseCommand

from accounts import services

DEMO_PASSWORD = "demo-password-2026"
DEMO_USERS = [
    # username, mobile, real name, time zone, staff
    ("admin", "+919000000001", "Demo Admin", "Asia/Kolkata", True),
    ("alice", "+919000000002", "Alice Example", "Europe/London", False),
    ("bob", "+919000000003", "Bob Example", "America/New_York", False),
    ("carol", "+919000000004", "Carol Example", "Asia/Tokyo", False),
]


class Command(BaseCommand):
    help = "Create the demo admin and users, or reset their passwords, and print the logins."

    def handle(self, *args, **options) -> None:
        self.stdout.write("Demo logins (password for all: %s)" % DEMO_PASSWORD)
        for username, mobile, real_name, tz, is_staff in DEMO_USERS:
            services.user_ensure(
                username=username, mobile=mobile, password=DEMO_PASSWORD,
                real_name=real_name, tz=tz, is_staff=is_staff,
            )
            role = "staff, /admin/" if is_staff else "member"
            self.stdout.write(f"  {username:<8} {mobile:<15} {role}")
