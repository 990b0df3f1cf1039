"""The user: a username, a mobile number in E.164 and a password."""

import unicodedata
import uuid

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.contrib.auth.validators import ASCIIUsernameValidator
from django.db import models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField

from accounts.validators import validate_time_zone


def username_key(raw: str | None) -> str | None:
    """Return the one normalised form every username lookup and count uses, or None.

    NFKC, then casefold; only an ASCII result can name an account (usernames are
    ASCII), so the database only ever compares ASCII and SQLite and PostgreSQL agree:
    a dotless-ı spelling of "ptix" names nobody instead of PostgreSQL's UPPER() match.
    """
    key = unicodedata.normalize("NFKC", raw or "").casefold()
    return key if key and key.isascii() else None


class UserManager(DjangoUserManager):
    def get_by_natural_key(self, username: str | None) -> "User":
        """Find the user by the normalised username (see `username_key`)."""
        key = username_key(username)
        if key is None:
            raise self.model.DoesNotExist
        return self.with_username_key(key).get()

    def with_username_key(self, key: str) -> "models.QuerySet[User]":
        """Users whose username is this key: LOWER(username) = key, through the
        case-insensitive unique index (`iexact`'s UPPER() would scan the table)."""
        return self.alias(username_lower=Lower("username")).filter(username_lower=key)


class User(AbstractUser):
    # ASCII after NFKC: fullwidth and ligature forms fold to ASCII, look-alikes from
    # other scripts ("аdmin" with a Cyrillic а) are refused instead of impersonating.
    username_validator = ASCIIUsernameValidator()

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    username = models.CharField(
        "username",
        max_length=150,
        unique=True,
        help_text="150 characters or fewer: letters a-z, digits and @/./+/-/_ only.",
        validators=[username_validator],
        error_messages={"unique": "A user with that username already exists."},
    )
    mobile = PhoneNumberField(
        unique=True, help_text="Stored in E.164, e.g. +919012345678."
    )
    real_name = models.CharField(max_length=150, blank=True)
    tz = models.CharField(
        "time zone", max_length=64, default="UTC", validators=[validate_time_zone]
    )
    # Verified or empty: a new address waits in `pending_email` until its link is used.
    email = models.EmailField(blank=True)
    pending_email = models.EmailField(blank=True)

    REQUIRED_FIELDS = ["mobile"]

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_message="Another account uses this email address.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def email_verified(self) -> bool:
        return bool(self.email)  # only a verified address is ever stored in `email`
