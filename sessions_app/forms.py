"""Login forms of the browsable API and the admin, aware of `ON_LIMIT=refuse_new`."""
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions_app import selectors
from sessions_app.exceptions import SESSION_LIMIT_DETAIL
from sessions_app.models import Transport


class SessionLimitMixin:
    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if selectors.session_would_be_refused(
            user_id=user.pk, transport=Transport.COOKIE, now=timezone.now()
        ):
            raise ValidationError(SESSION_LIMIT_DETAIL, code="session_limit_reached")


class BrowserLoginForm(SessionLimitMixin, AuthenticationForm):
    """The browsable API's login form."""


class AdminLoginForm(SessionLimitMixin, AdminAuthenticationForm):
    """The admin's login form."""
