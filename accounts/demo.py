"""The demo logins `seed_demo` creates, and the password every demo account shares."""

from typing import NamedTuple

DEMO_PASSWORD = "demo-password-2026"


class DemoUser(NamedTuple):
    username: str
    mobile: str
    real_name: str
    tz: str
    is_staff: bool

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"  # verified: reset mails reach it


DEMO_USERS: list[DemoUser] = [
    DemoUser("admin", "+919000000001", "Demo Admin", "Asia/Kolkata", True),
    DemoUser("alice", "+919000000002", "Alice Example", "Europe/London", False),
    DemoUser("bob", "+919000000003", "Bob Example", "America/New_York", False),
    DemoUser("carol", "+919000000004", "Carol Example", "Asia/Tokyo", False),
]
