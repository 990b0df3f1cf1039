"""Sessions: one `UserSession` per sign-in whatever the transport; the cookie store."""

import uuid

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class Transport(models.TextChoices):
    COOKIE = "cookie", "Cookie (browser)"
    TOKEN = "token", "Token (API client)"


class LoginMethod(models.TextChoices):
    PASSWORD_BROWSER = "password_browser", "Password, browsable API"
    PASSWORD_API = "password_api", "Password, API"
    ADMIN = "admin", "Admin login"
    REGISTER = "register", "Registration"


class EndReason(models.TextChoices):
    SUPERSEDED = "superseded", "Superseded by a newer login"
    TERMINATED = "terminated", "Ended by the user from another session"
    TERMINATED_BY_STAFF = "terminated_by_staff", "Ended by staff"
    EXPIRED = "expired", "Expired"
    LOGOUT = "logout", "Logged out"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    USER_DEACTIVATED = "user_deactivated", "User deactivated"
    TOKEN_REUSED = "token_reused", "Old refresh token used again"


class UserSession(models.Model):
    """One sign-in. Live while `is_active`; only `sessions_app.services` changes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_sessions"
    )
    transport = models.CharField(max_length=10, choices=Transport.choices)
    session_key_digest = models.CharField(
        max_length=64, null=True, blank=True, unique=True
    )
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # The user's session auth hash (an HMAC of the password hash) when this session last
    # proved the password: a password changed by any path (admin, shell) ends it.
    auth_hash = models.CharField(max_length=128, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    browser = models.CharField(max_length=64, blank=True)
    os = models.CharField("OS", max_length=64, blank=True)
    device_type = models.CharField(max_length=16, blank=True)
    device_name = models.CharField(max_length=140, blank=True)
    location = models.CharField(max_length=64, blank=True)
    login_method = models.CharField(max_length=20, choices=LoginMethod.choices)
    created_at = models.DateTimeField()
    last_activity = models.DateTimeField()
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    is_active = models.BooleanField(default=True)
    # When this session last proved its password (a login counts): the step-up window.
    reauthenticated_at = models.DateTimeField(null=True, blank=True)
    # Token sessions only. The access token's deadline (TOKEN_TTL after it was issued);
    # the refresh token's digest and generation (both rotate on each refresh), when it
    # last rotated, and the session's next deadline (REFRESH_TTL after that).
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_digest = models.CharField(max_length=64, null=True, blank=True)
    refresh_generation = models.PositiveIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("end_usersession", "Can end other users' sessions"),
            ("clear_throttle", "Can clear sign-in throttles (abuse console)"),
        ]
        indexes = [
            models.Index(
                fields=["user", "is_active", "created_at"], name="usersession_user_live"
            ),
            models.Index(
                fields=["is_active", "expires_at"], name="usersession_live_expiry"
            ),
            models.Index(fields=["is_active", "ended_at"], name="usersession_ended"),
            models.Index(
                fields=["is_active", "refresh_expires_at"],
                name="usersession_live_refresh",
            ),
            # Staff search (selectors.session_search); the trigram indexes on the
            # device name and user agent are PostgreSQL-only (migration staff_search).
            models.Index(fields=["-created_at"], name="usersession_recent"),
            models.Index(fields=["ip_address", "-created_at"], name="usersession_ip"),
        ]

    def __str__(self) -> str:
        state = "live" if self.is_active else f"ended: {self.end_reason}"
        device = self.device_name or "unknown device"
        started = f", {self.created_at:%Y-%m-%d %H:%M} UTC" if self.created_at else ""
        short_id = str(self.pk)[:8]
        return f"{self.transport} session {short_id} on {device}{started} ({state})"


class BrowserSession(AbstractBaseSession):
    """A cookie session's data, stored by `sessions_app.session_store`.

    The row is deleted when its `UserSession` ends, so Django sees an anonymous visitor.
    """

    session_key = models.CharField(
        "session key digest", max_length=64, primary_key=True
    )
    user_session = models.ForeignKey(
        UserSession, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = "browser session store row"

    @classmethod
    def get_session_store_class(cls) -> type:
        from sessions_app.session_store import SessionStore

        return SessionStore


class EventKind(models.TextChoices):
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Failed login"
    SESSION_SUPERSEDED = "session_superseded", "Session superseded"
    SESSION_TERMINATED = "session_terminated", "Session terminated"
    SESSION_EXPIRED = "session_expired", "Session expired"
    LOGOUT = "logout", "Logout"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    THROTTLED = "throttled", "Throttled"
    NEW_DEVICE = "new_device", "Login from a new device or country"
    REAUTH_FAILED = "reauth_failed", "Failed password confirmation"
    PASSWORD_CHANGE_FAILED = "password_change_failed", "Failed password change"
    EMAIL_CHANGE_REQUESTED = "email_change_requested", "Email change requested"
    EMAIL_CHANGED = "email_changed", "Email changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
    MFA_ENABLED = "mfa_enabled", "Two-factor sign-in enabled"
    MFA_DISABLED = "mfa_disabled", "Two-factor sign-in disabled"
    MFA_FAILED = "mfa_failed", "Wrong two-factor code"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", "Recovery codes replaced"
    REFRESH_TOKEN_REUSED = "refresh_token_reused", "Old refresh token used again"
    USER_BLOCKED = "user_blocked", "User blocked"
    USER_UNBLOCKED = "user_unblocked", "User unblocked"
    THROTTLE_CLEARED = "throttle_cleared", "Throttle cleared by staff"
    MFA_RESET = "mfa_reset", "Two-factor sign-in reset by staff"


class SecurityEvent(models.Model):
    """Something security-relevant that happened to an account; never a secret."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="security_events",
    )
    # Events outlive their session: purging sessions keeps the account's history.
    session = models.ForeignKey(
        UserSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    device_name = models.CharField(max_length=140, blank=True)
    location = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(db_index=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["user", "-created_at"], name="securityevent_user_recent"
            ),
            models.Index(fields=["ip_address", "-created_at"], name="securityevent_ip"),
        ]

    def __str__(self) -> str:
        user = self.user_id or "unknown user"
        return f"{self.kind} {user} {self.created_at:%Y-%m-%d %H:%M}"
