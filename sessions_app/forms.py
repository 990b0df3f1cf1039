"""Login forms of the browsable API and the admin: the same failed-login limits as the
API, and a form error (never a 500) under `ON_LIMIT=refuse_new`."""

import math
from typing import Any

from django import forms
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
from sessions_app.models import Transport, UserSession
from sessions_app.throttling import password_attempt

IP_THROTTLED = _(
    "Too many sign-in attempts from this address. Try again in %(wait)d seconds."
)
SESSION_LIMIT_FORM_DETAIL = _(
    "Your account is already signed in on another device, and it may not hold "
    "another session now."
)


class LoginPolicyMixin:
    """The limits of the API's sign-in, on a login form.

    The per-IP sign-in limit (shared with the API's sign-in views) and the failed-
    password limits by account, reserved before the hasher runs; a throttled form
    says how long to wait, in the form. Under `ON_LIMIT=refuse_new` it names the
    sessions in the way (`blocking_sessions`); the `force` button (the API's `force`,
    with the password again) signs them out.
    """

    blocking_sessions: list[UserSession] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or mobile number")
        self.fields["force"] = forms.BooleanField(
            required=False, widget=forms.HiddenInput
        )

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
        if not selectors.session_would_be_refused(
            user_id=user.pk,
            transport=Transport.COOKIE,
            now=timezone.now(),
            replacing_session_id=own.pk if own else None,
        ):
            return
        if self.cleaned_data.get("force"):
            self.request.login_force = True  # the login receiver ends the others
            return
        others = selectors.session_list_live(
            user_id=user.pk, transport=selectors.limit_scope_transport(Transport.COOKIE)
        )
        if own is not None:
            others = others.exclude(pk=own.pk)
        self.blocking_sessions = list(others.order_by("-last_activity")[:5])
        raise ValidationError(SESSION_LIMIT_FORM_DETAIL, code="session_limit_reached")


class BrowserLoginForm(LoginPolicyMixin, AuthenticationForm):
    """The browsable API's login form: a username or a mobile number (any spelling)."""


class AdminLoginForm(LoginPolicyMixin, AdminAuthenticationForm):
    """The admin's login form: a username or a mobile number too."""
