"""Two-factor sign-in: a TOTP device per user, its recovery codes, pending logins."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models

from sessions_app.models import Transport, UserSession


class TOTPDevice(models.Model):
    """A user's authenticator app: pending until a first code confirms it.

    The secret is stored encrypted (`mfa.crypto`); `last_used_step` is the newest time
    step a code was accepted for, so no code (nor an older one) is accepted twice.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device"
    )
    encrypted_secret = models.TextField(editable=False)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "TOTP device"
        permissions = [
            ("reset_totpdevice", "Can reset another user's two-factor sign-in"),
        ]

    def __str__(self) -> str:
        state = "confirmed" if self.is_confirmed else "pending"
        return f"TOTP device of {self.user_id} ({state})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """One single-use recovery code, stored as a keyed hash (never the code)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    code_digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="recoverycode_user")]

    def __str__(self) -> str:
        return (
            f"recovery code of {self.user_id} ({'used' if self.used_at else 'unused'})"
        )


LOGIN_TOKEN_TTL = timedelta(minutes=5)
LOGIN_TOKEN_MAX_ATTEMPTS = 5


class MfaLoginToken(models.Model):
    """A sign-in waiting for its second factor after the right password.

    The client holds the token; only its digest is stored. It lives a few minutes,
    finishes one sign-in, and dies after a few wrong codes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    transport = models.CharField(max_length=10, choices=Transport.choices)
    force = models.BooleanField(default=False)  # the first step's `force`
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"], name="mfalogin_user")]

    def __str__(self) -> str:
        return f"pending second factor of {self.user_id}, until {self.expires_at:%H:%M}"


class VerifiedSession(models.Model):
    """A session that passed a second factor (at sign-in, or later with a code)."""

    session = models.OneToOneField(
        UserSession, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    verified_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"session {str(self.session_id)[:8]} passed a second factor"
