"""Every change to a user goes through here."""

from functools import partial
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import User
from accounts.selectors import (
    user_exists_with_mobile,
    user_exists_with_username,
    user_get_by_mobile,
    user_get_by_username,
)
from accounts.signals import email_change_requested, email_changed, password_changed
from accounts.tasks import (
    email_change_notice_mail,
    email_verification_mail,
    password_reset_request,
)
from accounts.tokens import email_verification_read

PROFILE_FIELDS = ("real_name", "tz")


def user_signup(
    *,
    username: str,
    mobile: str,
    password: str,
    real_name: str = "",
    tz: str = "UTC",
    email: str = "",
) -> User:
    """Create an active user with a hashed password; an email waits to be verified."""
    user = User(
        username=User.normalize_username(username),
        mobile=mobile,
        real_name=real_name,
        tz=tz,
        pending_email=User.objects.normalize_email(email),
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
    if user.pending_email:
        _enqueue_verification(user)
    return user


def _enqueue_verification(user: User) -> None:
    transaction.on_commit(
        partial(
            email_verification_mail.enqueue,
            user_id=str(user.pk),
            email=user.pending_email,
        )
    )


def _duplicate_errors(*, username: str, mobile: str) -> dict[str, list[str]]:
    """Say which of the username and mobile number is taken."""
    errors: dict[str, list[str]] = {}
    if user_exists_with_username(username):
        errors["username"] = [_("A user with that username already exists.")]
    if user_exists_with_mobile(mobile):
        errors["mobile"] = [_("A user with that mobile number already exists.")]
    return errors or {"non_field_errors": [_("This user already exists.")]}


def user_change_password(
    *,
    user: User,
    new_password: str,
    keep_session_id: UUID | None = None,
    actor: User | None = None,
) -> None:
    """Set a new password and announce it, so other sessions can be ended."""
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_changed.send(
        sender=User, user=user, keep_session_id=keep_session_id, actor=actor
    )


def user_update_profile(*, user: User, **changes: str) -> User:
    """Change the user's real name or time zone; other fields are refused."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {', '.join(sorted(unknown))}")
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
    email: str = "",
) -> User:
    """Create the user or reset its password, role and verified address (if free);
    refuse names others hold."""
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
    fields = ["password", "is_staff", "is_superuser", "is_active"]
    taken = User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()
    if email and not taken:  # demo data: the address counts as verified
        user.email, user.pending_email = email, ""
        fields += ["email", "pending_email"]
    user.save(update_fields=fields)
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
            email=demo.email,
        )
        for demo in DEMO_USERS
    ]


def user_request_email_change(*, user: User, new_email: str) -> None:
    """Hold a new address as pending and mail its link; tell the old verified one."""
    new_email = User.objects.normalize_email(new_email)
    user.pending_email = new_email
    user.save(update_fields=["pending_email"])
    _enqueue_verification(user)
    if user.email:
        transaction.on_commit(
            partial(
                email_change_notice_mail.enqueue,
                user_id=str(user.pk),
                old_email=user.email,
                new_email=new_email,
            )
        )
    email_change_requested.send(sender=User, user=user, new_email=new_email)


def user_remove_email(*, user: User) -> None:
    """Forget the user's address, verified and pending (no reset mails from now on)."""
    old_email = user.email
    user.email = user.pending_email = ""
    user.save(update_fields=["email", "pending_email"])
    if old_email:
        email_changed.send(sender=User, user=user, old_email=old_email, new_email="")


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Make the pending address the verified one, once, with a link under 24 h old."""
    found = email_verification_read(token)
    user = None
    if found is not None:
        user_id, email = found
        user = (
            User.objects.select_for_update()
            .filter(pk=user_id, pending_email=email, is_active=True)
            .first()
        )
    if user is None:
        raise ValidationError(
            {"token": [_("This link is invalid, has expired or was already used.")]}
        )
    taken = User.objects.filter(email__iexact=user.pending_email).exclude(pk=user.pk)
    if taken.exists():
        raise ValidationError(
            {"token": [_("Another account uses this email address.")]}
        )
    old_email, user.email, user.pending_email = user.email, user.pending_email, ""
    user.save(update_fields=["email", "pending_email"])
    email_changed.send(
        sender=User, user=user, old_email=old_email, new_email=user.email
    )
    return user


def user_request_password_reset(*, email: str) -> None:
    """Queue a reset mail for this address; the same work whether an account has it."""
    transaction.on_commit(partial(password_reset_request.enqueue, email=email.strip()))
