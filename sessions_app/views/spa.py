"""Signing in from a single-page app: a JSON login that answers with a cookie.

The browser keeps the session in an HttpOnly cookie that scripts cannot read, so the
app never holds a bearer token. The same policy, events and failed-login limits as
the token login apply; the session is a cookie session like the browsable API's.
"""

from django.contrib.auth import login
from django.middleware.csrf import get_token
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.api_views import PublicAPIView
from config.schema import error_responses
from mfa.serializers import MfaRequiredSerializer
from mfa.services import mfa_login_begin
from sessions_app import services
from sessions_app.authentication import CookieSessionAuthentication
from sessions_app.models import Transport
from sessions_app.request_lifecycle import logout_current_session
from sessions_app.serializers import (
    BrowserLoginResponseSerializer,
    CsrfTokenSerializer,
    LoginSerializer,
)
from sessions_app.views.signin import login_message, password_login


class CsrfTokenView(PublicAPIView):
    """Set the CSRF cookie and return its token for the `X-CSRFToken` header.

    Fetch it before the login, and again after it: a login rotates the token.
    """

    @swagger_auto_schema(responses={200: CsrfTokenSerializer})
    def get(self, request: Request) -> Response:
        return Response({"csrf_token": get_token(request._request)})


class SpaLoginView(PublicAPIView):
    """Sign in with a username or mobile number and the password; get a cookie.

    Send the token from `GET /api/v1/auth/csrf/` in the `X-CSRFToken` header. The
    answer sets an HttpOnly session cookie and carries no token; `force` and the
    session policy work as for `POST /api/v1/auth/login/`.
    """

    @swagger_auto_schema(
        request_body=LoginSerializer,
        responses={
            200: BrowserLoginResponseSerializer,
            202: openapi.Response(
                "Two-factor sign-in: no session yet; finish at "
                "POST /api/v1/auth/browser/login/mfa/ with `mfa_token` and a code.",
                MfaRequiredSerializer,
            ),
            **error_responses(403, 409),
        },
    )
    def post(self, request: Request) -> Response:
        # No authentication class runs here to check CSRF, so the view does: a login
        # from another site's form must not plant its session in this browser.
        CookieSessionAuthentication().enforce_csrf(request)
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = password_login(request, data)
        challenge = mfa_login_begin(
            user=user, transport=Transport.COOKIE, force=data["force"]
        )
        if challenge is not None:  # no cookie (nor policy) until the second factor
            return Response(
                MfaRequiredSerializer(challenge).data, status=status.HTTP_202_ACCEPTED
            )
        return cookie_login_answer(cookie_login_start(request, user, data["force"]))


def cookie_login_start(
    request: Request, user: User, force: bool
) -> services.SessionStart:
    """Sign the browser in (every factor passed): the receiver starts its session."""
    request._request.login_force = force  # read by the login receiver
    login(request._request, user)
    return services.SessionStart(
        session=request._request.user_session,
        token=None,
        ended_sessions=request._request.login_ended_sessions,
    )


def cookie_login_answer(started: services.SessionStart) -> Response:
    """Return the 200 answer of a JSON cookie sign-in: no token, the cookie is set."""
    ended = started.ended_sessions
    body = {
        "user": started.session.user,
        "session": started.session,
        "ended_sessions": ended,
        "message": login_message(len(ended)),
    }
    context = {"current_session": started.session}
    return Response(BrowserLoginResponseSerializer(body, context=context).data)


class SpaLogoutView(APIView):
    """End the browser's cookie session (CSRF header required); clear the cookie."""

    authentication_classes = [CookieSessionAuthentication]

    @swagger_auto_schema(request_body=None, responses={204: "Logged out."})
    def post(self, request: Request) -> Response:
        logout_current_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)
