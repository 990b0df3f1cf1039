"""Token and cookie authentication. Both fail closed: an ended session's credential
authenticates nobody, and is remembered on the request so `HasLiveSession` can say why.
"""
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import (
    BaseAuthentication,
    SessionAuthentication,
    get_authorization_header,
)
from rest_framework.request import Request

from sessions_app import selectors, services
from sessions_app.models import UserSession
from sessions_app.session_store import USER_SESSION_KEY

TOKEN_KEYWORDS = (b"token", b"bearer")
TOKEN_MAX_LENGTH = 128


def remember_ended_session(request: Request, session: UserSession) -> None:
    """Note on the request that it carried an ended session's credential."""
    request._request.ended_user_session = session


class TokenAuthentication(BaseAuthentication):
    """`Authorization: Token <token>` (or `Bearer <token>`): one indexed query."""

    def authenticate(self, request: Request) -> tuple | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in TOKEN_KEYWORDS:
            return None
        if len(parts) != 2 or len(parts[1]) > TOKEN_MAX_LENGTH:
            raise exceptions.AuthenticationFailed(
                _("Invalid token header. Use: Authorization: Token <token>.")
            )
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        session = selectors.session_get_by_token(token)
        if session is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not services.session_check_live(session=session):
            remember_ended_session(request, session)
            return None
        return session.user, session

    def authenticate_header(self, request: Request) -> str:
        return "Token"


class CookieSessionAuthentication(SessionAuthentication):
    """Django's cookie session through our store, with CSRF on unsafe methods."""

    def authenticate(self, request: Request) -> tuple | None:
        django_request = request._request
        store = django_request.session
        # Reading the data loads the row, its UserSession and its user in one query.
        session = store.user_session if USER_SESSION_KEY in store else None
        if session is None:
            ended = getattr(store, "ended_user_session", None)
            cookie = django_request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            if ended is None and cookie:
                ended = selectors.session_get_by_key(cookie)
                if ended is not None and ended.is_active:
                    # Its store row expired with it (COOKIE_TTL): end it as expired now.
                    services.session_check_live(session=ended)
            if ended is not None and not ended.is_active:
                remember_ended_session(request, ended)
            return None
        self.enforce_csrf(request)
        return session.user, session

    def authenticate_header(self, request: Request) -> str:
        return "Token"
