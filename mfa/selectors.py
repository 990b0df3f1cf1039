"""Reads of two-factor sign-in."""

from uuid import UUID

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import User
from mfa.crypto import login_token_digest
from mfa.models import (
    LOGIN_TOKEN_MAX_ATTEMPTS,
    MfaLoginToken,
    RecoveryCode,
    TOTPDevice,
    VerifiedSession,
)
from sessions_app.models import UserSession


def mfa_is_enabled(*, user_id: UUID) -> bool:
    """Tell whether the user signs in with a second factor (a confirmed TOTP device)."""
    return TOTPDevice.objects.filter(
        user_id=user_id, confirmed_at__isnull=False
    ).exists()


def mfa_enabled_expression() -> Exists:
    """Return an `Exists` over a confirmed device, to annotate a user queryset."""
    return Exists(
        TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
    )


def recovery_codes_left(*, user_id: UUID) -> int:
    """Count the user's recovery codes not used yet."""
    return RecoveryCode.objects.filter(user_id=user_id, used_at__isnull=True).count()


def mfa_status(*, user_id: UUID) -> dict[str, bool | int]:
    """Return what the user's second factor looks like, never its secret."""
    enabled = mfa_is_enabled(user_id=user_id)
    left = recovery_codes_left(user_id=user_id) if enabled else 0
    return {"totp": enabled, "recovery_codes_left": left}


def mfa_login_pending_user(*, token: str, transport: str) -> User | None:
    """Return the user of a usable sign-in waiting for its second factor, or None."""
    pending = (
        MfaLoginToken.objects.select_related("user")
        .filter(
            token_digest=login_token_digest(token),
            transport=transport,
            used_at__isnull=True,
            expires_at__gt=timezone.now(),
            attempts__lt=LOGIN_TOKEN_MAX_ATTEMPTS,
        )
        .first()
    )
    return pending.user if pending is not None else None


def session_passed_second_factor(session: UserSession | None) -> bool:
    """Tell whether the session passed a second factor (at sign-in or since)."""
    if session is None:
        return False
    return VerifiedSession.objects.filter(session_id=session.pk).exists()
