"""Login forms of the browsable API and the admin: the same failed-login limits as the
API, and a form error (never a 500) under `ON_LIMIT=refuse_new`."""

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.exceptions import Throttled

from accounts.models import User
from sessions_app import selectors
from sessions_app.devices import request_origin
from sessions_app.exceptions import SESSION_LIMIT_DETAIL
from sessions_app.models import Transport
from sessions_app.throttling import (
    account_key,
    login_failure_record,
    login_failures_check,
    login_failures_clear,
)


class LoginPolicyMixin:
    def clean(self) -> dict:
        account = account_key(username=self.cleaned_data.get("username"))
        ip = request_origin(self.request).ip_address
        try:
            login_failures_check(account=account, ip=ip)
        except Throttled as throttled:
            raise ValidationError(str(throttled.detail), code="throttled") from None
        try:
            cleaned = super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                login_failure_record(account=account, ip=ip, request=self.request)
            raise
        login_failures_clear(account=account, ip=ip)
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
    """The browsable API's login form."""


class AdminLoginForm(LoginPolicyMixin, AdminAuthenticationForm):
    """The admin's login form."""
