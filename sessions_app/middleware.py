"""Whether a cookie session may act is decided here, once per request, for everyone.

Placed after `SessionMiddleware` and before `AuthenticationMiddleware`, so the admin,
the browsable API and the JSON API all see a browser whose session has ended as
anonymous. The DRF authentication class only reads what this middleware decided.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from sessions_app import selectors, services
from sessions_app.models import UserSession
from sessions_app.session_store import USER_SESSION_KEY, SessionStore
from sessions_app.signed_out import signed_out_redirect
from sessions_app.throttling import DEVICE_COOKIE, DEVICE_MAX_AGE


def remember_ended_session(request: HttpRequest, session: UserSession) -> None:
    """Note on the request that it carried an ended session's credential."""
    request.ended_user_session = session


class LiveSessionMiddleware:
    """Set `request.user_session` to the browser's live session, or drop the cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user_session = None
        store = request.session
        if store.session_key is not None:  # no cookie, no query
            self._check(request, store)
        ended = getattr(request, "ended_user_session", None)
        if ended is not None:  # a page in a browser goes to its login page, told why
            redirect = signed_out_redirect(request, ended)
            if redirect is not None:
                return redirect
        return self.get_response(request)

    def _check(self, request: HttpRequest, store: SessionStore) -> None:
        store.get(USER_SESSION_KEY)  # loads the row, its UserSession and user at once
        session = store.user_session
        if session is None:
            if store.session_key is None:  # the cookie names no stored session
                self._explain(request, request.COOKIES[settings.SESSION_COOKIE_NAME])
            return
        if services.session_check_live(session=session):
            request.user_session = session
            return
        remember_ended_session(request, session)
        store.forget()

    @staticmethod
    def _explain(request: HttpRequest, cookie: str) -> None:
        """Find out why a cookie names no stored session (one indexed lookup)."""
        session = selectors.session_get_by_key(cookie)
        if session is not None and session.is_active:
            # Its store row expired with it (COOKIE_TTL): this ends it as expired now.
            services.session_check_live(session=session)
        if session is not None and not session.is_active:
            remember_ended_session(request, session)


class DeviceCookieMiddleware:
    """Set the `device` cookie a cookie sign-in earned (`request.device_credential`).

    The login receiver issues the credential; only a response can carry a cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        credential = getattr(request, "device_credential", None)
        if credential:
            response.set_cookie(
                DEVICE_COOKIE,
                credential,
                max_age=int(DEVICE_MAX_AGE.total_seconds()),
                httponly=True,
                secure=settings.SESSION_COOKIE_SECURE,
                samesite="Lax",
            )
        return response
