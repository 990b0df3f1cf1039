"""The request-level steps of the session lifecycle, next to the services they call.

Like Django's `login()`, `logout()` and `update_session_auth_hash()`, these take the
request: they announce a token login, end the session making the request, and re-key
a cookie after its password changed. Everything else lives in `services`.
"""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_logged_out
from rest_framework.request import Request

from sessions_app import services
from sessions_app.devices import request_origin
from sessions_app.models import EventKind, Transport, UserSession
from sessions_app.throttling import password_attempt


def announce_token_login(request: Request, started: services.SessionStart) -> None:
    """Send `user_logged_in` for a token session: receivers run as for a cookie."""
    user = started.session.user
    user_logged_in.send(
        sender=type(user), request=request, user=user, user_session=started.session
    )


def confirm_password(
    request: Request, *, password: str, failure_kind: EventKind
) -> bool:
    """Check the signed-in user's password under the failed-login limits.

    A wrong one counts like a failed login (429 `throttled` once the limits trip) and
    records `failure_kind` on the account; the right one gives its slot back.
    """
    attempt = password_attempt(request, user=request.user)
    attempt.reserve()
    if not request.user.check_password(password):
        attempt.failed(request)
        services.security_event_record(
            kind=failure_kind,
            session=request.auth,
            **request_origin(request)._asdict(),
        )
        return False
    attempt.succeeded()
    return True


def logout_current_session(request: Request) -> UserSession:
    """Log out the session making the request, whichever transport it uses."""
    session: UserSession = request.auth
    user_logged_out.send(
        sender=type(request.user),
        request=request,
        user=request.user,
        user_session=session,
    )
    if session.transport == Transport.COOKIE:
        request._request.session.flush()
    return session


def rekey_after_password_change(request: Request) -> None:
    """Keep a cookie session signed in under a new key after its password changed.

    The session store records the new key's digest on the UserSession; a token
    session's auth hash was renewed by the service already.
    """
    if request.auth.transport == Transport.COOKIE:
        update_session_auth_hash(request._request, request.user)
