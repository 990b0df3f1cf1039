"""Login forms of the browsable API and the admin: the same failed-login limits as the
API, and a form error (never a 500) under `ON_LIMIT=refuse_new`."""

import math
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from accounts.models import User
from accounts.selectors import user_get_by_mobile, user_get_by_username
from config.throttling import ClientIPThrottle
from sessions_app import selectors
from sessions_app.exceptions import SESSION_LIMIT_DETAIL
from sessions_app.models import Transport
from sessions_app.throttling import password_attempt

IP_THROTTLED = _(
    "Too many sign-in attempts from this address. Try again in %(wait)d seconds."
)


class LoginPolicyMixin:
    """The limits of the API's sign-in, on a login form.

    The per-IP sign-in limit (shared with the API's sign-in views) and the failed-
    password limits by account, reserved before the hasher runs; a throttled form
    says how long to wait, in the form.
    """

    def clean(self) -> dict:
        ip_limit = ClientIPThrottle()
        if not ip_limit.allow_request(self.request, None):
            raise ValidationError(
                IP_THROTTLED % {"wait": math.ceil(ip_limit.wait())}, code="throttled"
            )
        identifier = self.cleaned_data.get("username")
        if not identifier or not self.cleaned_data.get("password"):
            return super().clean()  # nothing to check a password against
        named = user_get_by_username(identifier) or user_get_by_mobile(identifier)
        attempt = password_attempt(self.request, user=named, username=identifier)
        try:
            attempt.reserve()
        except Throttled as throttled:
            raise ValidationError(str(throttled.detail), code="throttled") from None
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                attempt.failed(self.request)
            else:  # the password was right; the account may not sign in now
                attempt.succeeded()
            raise
        attempt.succeeded()
        return cleaned

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        own = getattr(self.request, "user_session", None)  # this browser's, replaced
        if selectors.session_would_be_refused(
            user_id=user.pk,
            transport=Transport.COOKIE,
            now=timezone.now(),
            replacing_session_id=own.pk if own else None,
        ):
            raise ValidationError(SESSION_LIMIT_DETAIL, code="session_limit_reached")


class BrowserLoginForm(LoginPolicyMixin, AuthenticationForm):
    """The browsable API's login form: a username or a mobile number (any spelling)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or mobile number")


class AdminLoginForm(LoginPolicyMixin, AdminAuthenticationForm):
    """The admin's login form."""
