"""Token and cookie authentication. Both fail closed: an ended session's credential
authenticates nobody, and is remembered on the request so `HasLiveSession` can say why.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request

from accounts.models import User
from sessions_app import selectors, services
from sessions_app.middleware import remember_ended_session
from sessions_app.models import UserSession

TOKEN_KEYWORDS = (b"token", b"bearer")
TOKEN_MAX_LENGTH = 128
INVALID_HEADER = _("Invalid Authorization header. Use: Authorization: Token <token>.")


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Token <token>` (or `Bearer <token>`): one indexed query."""

    def authenticate(self, request: Request) -> tuple[User, UserSession] | None:
        parts = get_authorization_header(request).split()
        if not parts:
            return None  # no header: maybe a cookie session
        if parts[0].lower() not in TOKEN_KEYWORDS or len(parts) != 2:
            raise exceptions.AuthenticationFailed(INVALID_HEADER)
        if len(parts[1]) > TOKEN_MAX_LENGTH:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        session = selectors.session_get_by_token(token)
        if session is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not services.session_check_live(session=session):
            remember_ended_session(request._request, session)
            return None
        return session.user, session

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class CookieSessionAuthentication(SessionAuthentication):
    """Django's cookie session, as `LiveSessionMiddleware` judged it, with CSRF."""

    def authenticate(self, request: Request) -> tuple[User, UserSession] | None:
        session = getattr(request._request, "user_session", None)
        if session is None:
            return None  # no cookie, or an ended session the middleware remembered
        self.enforce_csrf(request)
        return session.user, session

    def authenticate_header(self, request: Request) -> str:
        return "Token"
