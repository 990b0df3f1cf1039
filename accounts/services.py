"""Every change to a user goes through here."""

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import User
from accounts.selectors import (
    user_exists_with_mobile,
    user_exists_with_username,
    user_get_by_mobile,
    user_get_by_username,
)
from accounts.signals import password_changed

PROFILE_FIELDS = ("real_name", "tz", "email")


def user_signup(
    *,
    username: str,
    mobile: str,
    password: str,
    real_name: str = "",
    tz: str = "UTC",
    email: str = "",
) -> User:
    """Create an active user with a hashed password; start no session."""
    user = User(
        username=User.normalize_username(username),
        mobile=mobile,
        real_name=real_name,
        tz=tz,
        email=User.objects.normalize_email(email),
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        # A simultaneous signup took the name or number after validation passed.
        raise ValidationError(
            _duplicate_errors(username=username, mobile=mobile)
        ) from None
    return user


def _duplicate_errors(*, username: str, mobile: str) -> dict[str, list[str]]:
    """Say which of the username and mobile number is taken."""
    errors: dict[str, list[str]] = {}
    if user_exists_with_username(username):
        errors["username"] = [_("A user with that username already exists.")]
    if user_exists_with_mobile(mobile):
        errors["mobile"] = [_("A user with that mobile number already exists.")]
    return errors or {"non_field_errors": [_("This user already exists.")]}


def user_change_password(
    *, user: User, new_password: str, keep_session_id: str | None = None
) -> None:
    """Set a new password and announce it, so other sessions can be ended."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_changed.send(sender=User, user=user, keep_session_id=keep_session_id)


def user_update_profile(*, user: User, **changes: str) -> User:
    """Change the user's real name, time zone or email; other fields are refused."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {', '.join(sorted(unknown))}")
    if "email" in changes:
        changes["email"] = User.objects.normalize_email(changes["email"])
    for field, value in changes.items():
        setattr(user, field, value)
    if changes:
        user.full_clean(validate_unique=False, validate_constraints=False)
        user.save(update_fields=list(changes))
    return user


def user_ensure(
    *,
    username: str,
    mobile: str,
    password: str,
    real_name: str,
    tz: str = "UTC",
    is_staff: bool = False,
) -> User:
    """Create the user or reset its password and role; refuse names others hold."""
    user = user_get_by_username(username)
    holder = user_get_by_mobile(mobile)
    errors: dict[str, list[str]] = {}
    if user is not None and (holder is None or holder.pk != user.pk):
        errors["username"] = [
            _("The username %(username)s belongs to another account.")
            % {"username": user.username}
        ]
    if holder is not None and (user is None or holder.pk != user.pk):
        errors["mobile"] = [
            _("The mobile number %(mobile)s belongs to another account (%(holder)s).")
            % {"mobile": holder.mobile, "holder": holder.username}
        ]
    if errors:
        raise ValidationError(errors)
    if user is None:
        user = user_signup(
            username=username,
            mobile=mobile,
            password=password,
            real_name=real_name,
            tz=tz,
        )
    user.set_password(password)
    user.is_staff = user.is_superuser = is_staff
    user.is_active = True
    user.save(update_fields=["password", "is_staff", "is_superuser", "is_active"])
    return user


@transaction.atomic
def user_ensure_demo() -> list[User]:
    """Create or reset every demo login with the demo password, all or none."""
    return [
        user_ensure(
            username=demo.username,
            mobile=demo.mobile,
            password=DEMO_PASSWORD,
            real_name=demo.real_name,
            tz=demo.tz,
            is_staff=demo.is_staff,
        )
        for demo in DEMO_USERS
    ]


def user_send_password_reset(*, user: User, confirm_url: str) -> None:
    """Email the user a one-time link (uid + token) to set a new password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    body = "\n".join(
        [
            _("Hello %(name)s,") % {"name": user.real_name or user.username},
            "",
            _(
                "Someone asked to reset the password of your account %(username)s. "
                "To choose a new one, POST uid, token and new_password to:"
            )
            % {"username": user.username},
            f"  {confirm_url}",
            f"  uid:   {uid}",
            f"  token: {token}",
            "",
            _(
                "The link works once. Setting a new password signs out every session. "
                "If you did not ask for this, ignore this email."
            ),
        ]
    )
    send_mail(_("Reset your password"), body, None, [user.email])
