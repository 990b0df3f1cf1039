"""Sign-in endpoints: register, login, logout, password; and the browser login page."""
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import PasswordChangeSerializer, SignupSerializer
from accounts.services import user_change_password
from config.errors import InvalidCredentials
from sessions_app import selectors, services
from sessions_app.devices import client_ip
from sessions_app.forms import BrowserLoginForm
from sessions_app.models import LoginMethod, Transport
from sessions_app.serializers import (
    EndedCountSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    RegisterResponseSerializer,
)


def _login_message(ended_count: int) -> str:
    if not ended_count:
        return _("Logged in.")
    return ngettext(
        "Logged in. %(count)d other session was ended.",
        "Logged in. %(count)d other sessions were ended.",
        ended_count,
    ) % {"count": ended_count}


def _announce_login(request: Request, started: services.SessionStart) -> None:
    # Django's and our other receivers run as for a cookie login; ours skips it.
    user = started.session.user
    user_logged_in.send(
        sender=type(user), request=request, user=user, user_session=started.session
    )


class RegisterView(APIView):
    """Create an account and sign it in with a token, shown this once."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(
        tags=["auth"], security=[], request_body=SignupSerializer,
        responses={201: RegisterResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, started = services.user_register(
            signup=serializer.validated_data,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip_address=client_ip(request),
        )
        _announce_login(request, started)
        body = {"user": user, "token": started.token,
                "expires_at": started.session.expires_at, "session": started.session}
        context = {"current_session": started.session}
        return Response(
            RegisterResponseSerializer(body, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class LoginView(APIView):
    """Sign in with a username or mobile number and the password; get a token.

    Under the session policy the oldest live sessions end (listed in `ended_sessions`),
    or with `ON_LIMIT=refuse_new` the login is refused with 409 unless `force` is true.
    """

    authentication_classes = []
    permission_classes = [AllowAny]

    @swagger_auto_schema(
        tags=["auth"], security=[], request_body=LoginSerializer,
        responses={200: LoginResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("username"):
            credentials = {"username": data["username"]}
        else:
            credentials = {"mobile": data["mobile"].as_e164}
        user = authenticate(request, password=data["password"], **credentials)
        if user is None:
            raise InvalidCredentials()
        started = services.session_start(
            user=user,
            transport=Transport.TOKEN,
            login_method=LoginMethod.PASSWORD_API,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            ip_address=client_ip(request),
            force=data["force"],
        )
        _announce_login(request, started)
        body = {
            "user": user, "token": started.token, "expires_at": started.session.expires_at,
            "session": started.session, "ended_sessions": started.ended_sessions,
            "message": _login_message(len(started.ended_sessions)),
        }
        context = {"current_session": started.session}
        return Response(LoginResponseSerializer(body, context=context).data)


class LogoutView(APIView):
    """End the current session; its token or cookie is refused from now on."""

    @swagger_auto_schema(tags=["auth"], request_body=None, responses={204: "Logged out."})
    def post(self, request: Request) -> Response:
        session = request.auth
        user_logged_out.send(
            sender=type(request.user), request=request, user=request.user,
            user_session=session,
        )
        if session.transport == Transport.COOKIE:
            request._request.session.flush()
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change the password; every other session ends, this one stays signed in."""

    @swagger_auto_schema(
        tags=["auth"], request_body=PasswordChangeSerializer,
        responses={200: EndedCountSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(
            data=request.data, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        session = request.auth
        others = selectors.session_list_live(user_id=request.user.pk).exclude(pk=session.pk)
        ended_count = others.count()
        user_change_password(
            user=request.user,
            new_password=serializer.validated_data["new_password"],
            keep_session_id=session.pk,
        )
        if session.transport == Transport.COOKIE:
            update_session_auth_hash(request._request, request.user)  # rotates the key
            services.session_rekey(
                session=session, session_key=request._request.session.session_key
            )
        return Response({"ended_count": ended_count})


class BrowserLoginView(DjangoLoginView):
    """The browsable API's login page, refusing politely under `ON_LIMIT=refuse_new`."""

    template_name = "rest_framework/login.html"
    authentication_form = BrowserLoginForm
