"""Reads of users."""
from django.db.models import QuerySet
from phonenumber_field.phonenumber import PhoneNumber, to_python

from accounts.models import User


def normalize_mobile(raw: str) -> str | None:
    """Return the E.164 form of a mobile number in any spelling, or None if invalid."""
    number = to_python(raw)
    if isinstance(number, PhoneNumber) and number.is_valid():
        return number.as_e164
    return None


def user_exists_with_username(username: str) -> bool:
    """Tell whether the username is taken, ignoring case after NFKC."""
    return User.objects.filter(username__iexact=User.normalize_username(username)).exists()


def user_exists_with_mobile(mobile: str) -> bool:
    """Tell whether the mobile number, in any spelling, is taken."""
    e164 = normalize_mobile(str(mobile))
    return e164 is not None and User.objects.filter(mobile=e164).exists()


def user_get_by_mobile(mobile: str) -> User | None:
    """Return the user with this mobile number in any spelling, or None."""
    e164 = normalize_mobile(mobile)
    if e164 is None:
        return None
    return User.objects.filter(mobile=e164).first()


def user_list(*, include_inactive: bool = False) -> QuerySet[User]:
    """Return users, oldest first, in a stable order for pagination."""
    users = User.objects.order_by("date_joined", "id")
    return users if include_inactive else users.filter(is_active=True)
