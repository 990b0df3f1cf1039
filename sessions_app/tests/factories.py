"""Plain factory functions for sessions."""
from typing import Any

from sessions_app import services
from sessions_app.models import LoginMethod, Transport, UserSession

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def make_session(*, user, **overrides: Any) -> UserSession:
    """Start a session through the service; `session.token` holds a token session's token."""
    fields = {
        "transport": Transport.TOKEN,
        "login_method": LoginMethod.PASSWORD_API,
        "user_agent": CHROME_ON_WINDOWS,
        "ip_address": "127.0.0.1",
        **overrides,
    }
    started = services.session_start(user=user, **fields)
    started.session.token = started.token
    return started.session
