"""Plain factory functions for sessions."""

from typing import Any

from accounts.models import User
from sessions_app import services
from sessions_app.models import LoginMethod, Transport, UserSession

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def start_session(
    user: User, *, transport: str = Transport.TOKEN, **overrides: Any
) -> services.SessionStart:
    """Start a session through the service, as a login would, with valid defaults.

    Returns what `session_start` returns (session, token, ended_sessions); pass `at=`
    to start it in the past, `session_key=` for a cookie session.
    """
    fields = {
        "login_method": LoginMethod.PASSWORD_API,
        "user_agent": CHROME_ON_WINDOWS,
        "ip_address": "127.0.0.1",
        **overrides,
    }
    return services.session_start(user=user, transport=transport, **fields)


def make_session(*, user: User, **overrides: Any) -> UserSession:
    """Start a session; return its row, with a token session's tokens in `.token`
    and `.refresh_token`."""
    started = start_session(user, **overrides)
    started.session.token = started.token
    started.session.refresh_token = started.refresh_token
    return started.session
