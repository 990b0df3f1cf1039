"""Plain factory functions for users."""

import itertools
from typing import Any

from accounts.models import User

DEFAULT_PASSWORD = "factory-password-42"
_sequence = itertools.count(1)


def make_user(**overrides: Any) -> User:
    """Create a user with unique, valid data; `user.raw_password` holds the password."""
    n = next(_sequence)
    password = overrides.pop("password", DEFAULT_PASSWORD)
    fields = {
        "username": f"user{n}",
        "mobile": f"+9198{n:08d}",
        "real_name": f"User Number {n}",
        "tz": "Asia/Kolkata",
        **overrides,
    }
    user = User(**fields)
    user.set_password(password)
    user.save(force_insert=True)
    user.raw_password = password
    return user
