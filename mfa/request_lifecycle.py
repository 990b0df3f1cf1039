"""The request-level step of checking a second-factor code: the failed-login limits.

Like `sessions_app.request_lifecycle.confirm_password`, this takes the request (the
client's address and device credential name the counters); the services decide.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from accounts.models import User
from mfa import selectors, services
from mfa.exceptions import MFA_NOT_ENABLED_DETAIL, InvalidCode
from sessions_app.devices import request_origin
from sessions_app.models import UserSession
from sessions_app.throttling import password_attempt


@contextmanager
def code_attempt(
    request: HttpRequest, *, user: User, device_credential: str | None = None
) -> Iterator[None]:
    """Check a code inside this block under the account's failed-login limits.

    A slot is taken first (429 `throttled` when a limit is full); `InvalidCode`
    from the block keeps it as a failed login, anything else gives it back.
    """
    attempt = password_attempt(request, user=user, device_credential=device_credential)
    attempt.reserve()
    failed = False
    try:
        yield
    except InvalidCode:
        failed = True
        attempt.failed(request)
        raise
    finally:
        if not failed:
            attempt.succeeded()


def confirm_code(request: Request, *, code: str) -> UserSession:
    """Step the request's session up with a code of the user's authenticator app.

    400 `invalid` if two-factor sign-in is off; 400 `invalid_code` (a failed login,
    event `mfa_failed`) for a wrong or replayed code.
    """
    if not selectors.mfa_is_enabled(user_id=request.user.pk):
        raise ValidationError({"code": [MFA_NOT_ENABLED_DETAIL]})
    with code_attempt(request, user=request.user):
        return services.mfa_step_up(
            session=request.auth, code=code, **request_origin(request)._asdict()
        )
