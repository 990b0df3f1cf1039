"""Reads of users."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.utils.http import urlsafe_base64_decode
from phonenumber_field.phonenumber import PhoneNumber, to_python

from accounts.models import User, username_key
from accounts.tokens import email_verification_read, password_reset_tokens


def normalize_mobile(raw: str) -> str | None:
    """Return the E.164 form of a mobile number in any spelling, or None if invalid."""
    number = to_python(raw)
    if isinstance(number, PhoneNumber) and number.is_valid():
        return number.as_e164
    return None


def user_exists_with_username(username: str) -> bool:
    """Tell whether the username is taken, by its normalised form (`username_key`)."""
    key = username_key(username)
    return key is not None and User.objects.with_username_key(key).exists()


def user_exists_with_mobile(mobile: str) -> bool:
    """Tell whether the mobile number, in any spelling, is taken."""
    e164 = normalize_mobile(str(mobile))
    return e164 is not None and User.objects.filter(mobile=e164).exists()


def user_get_by_username(username: str) -> User | None:
    """Return the user this username names in any case or form (`username_key`)."""
    key = username_key(username)
    return User.objects.with_username_key(key).first() if key else None


def user_list_for_password_reset(email: str) -> QuerySet[User]:
    """Return active users with this email (any case) who can sign in by password."""
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    return users.exclude(password__startswith="!")  # "!" marks an unusable password


def user_get_by_mobile(mobile: str) -> User | None:
    """Return the user with this mobile number in any spelling, or None."""
    e164 = normalize_mobile(mobile)
    if e164 is None:
        return None
    return User.objects.filter(mobile=e164).first()


def user_list(*, include_inactive: bool = False) -> QuerySet[User]:
    """Return users by username (any case), a stable order for pagination."""
    users = User.objects.order_by(Lower("username"))  # unique, and indexed
    return users if include_inactive else users.filter(is_active=True)


def user_get_by_reset_uid(uid: str) -> User | None:
    """Return the active user a reset link's `uid` names, token unchecked, or None."""
    try:
        pk = urlsafe_base64_decode(uid).decode()
        return User.objects.filter(pk=pk, is_active=True).first()
    except (ValueError, UnicodeDecodeError, DjangoValidationError):
        return None


def user_get_by_reset_token(*, uid: str, token: str) -> User | None:
    """Return the active user a password-reset link names, if its token still works."""
    user = user_get_by_reset_uid(uid)
    if user is None or not password_reset_tokens.check_token(user, token):
        return None
    return user


def user_get_by_email_token(token: str) -> User | None:
    """Return the active user whose pending address this verification token names."""
    found = email_verification_read(token)
    if found is None:
        return None
    user_id, email = found
    return User.objects.filter(pk=user_id, pending_email=email, is_active=True).first()
