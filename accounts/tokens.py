"""One-time tokens mailed to people: password reset and email verification."""

from datetime import timedelta

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing

from accounts.models import User

EMAIL_VERIFICATION_MAX_AGE = timedelta(hours=24)
EMAIL_VERIFICATION_SALT = "accounts.email-verification"


class PasswordResetTokens(PasswordResetTokenGenerator):
    """Django's reset tokens, voided by a password change, not by a login.

    The hash leaves out `last_login` (Django's default includes it, so signing in
    between asking and clicking broke the link) and includes the verified address,
    so a link stops working once the address it was sent to is no longer the
    account's.
    """

    def _make_hash_value(self, user: User, timestamp: int) -> str:
        return f"{user.pk}{user.password}{timestamp}{user.email}"


password_reset_tokens = PasswordResetTokens()


def email_verification_token(*, user: User, email: str) -> str:
    """Return a signed, URL-safe token proving that `email` received our link."""
    return signing.dumps(
        {"user": str(user.pk), "email": email}, salt=EMAIL_VERIFICATION_SALT
    )


def email_verification_read(token: str) -> tuple[str, str] | None:
    """Return (user id, email) from a token still within 24 hours, else None."""
    try:
        data = signing.loads(
            token,
            salt=EMAIL_VERIFICATION_SALT,
            max_age=EMAIL_VERIFICATION_MAX_AGE,
        )
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    user_id, email = data.get("user"), data.get("email")
    if not isinstance(user_id, str) or not isinstance(email, str):
        return None
    return user_id, email
