"""Signing in and out: register, login, logout, password change and reset."""

from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_list_for_password_reset
from accounts.serializers import (
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    SignupSerializer,
)
from accounts.services import user_send_password_reset
from config.api_views import PublicAPIView
from config.errors import InvalidCredentials
from config.schema import error_responses
from config.throttling import ClientIPThrottle
from sessions_app import services
from sessions_app.devices import request_origin
from sessions_app.models import LoginMethod, Transport
from sessions_app.request_lifecycle import (
    announce_token_login,
    logout_current_session,
    rekey_after_password_change,
)
from sessions_app.serializers import (
    EndedCountSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    MessageSerializer,
    RegisterResponseSerializer,
)
from sessions_app.throttling import (
    account_key,
    login_failure_record,
    login_failures_check,
    login_failures_clear,
)


def _login_message(ended_count: int) -> str:
    if not ended_count:
        return _("Logged in.")
    return ngettext(
        "Logged in. %(count)d other session was ended.",
        "Logged in. %(count)d other sessions were ended.",
        ended_count,
    ) % {"count": ended_count}


class RegisterView(PublicAPIView):
    """Create an account and sign it in with a token, shown this once."""

    @swagger_auto_schema(
        request_body=SignupSerializer,
        responses={201: RegisterResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = SignupSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, started = services.user_register(
            signup=serializer.validated_data, **request_origin(request)._asdict()
        )
        announce_token_login(request, started)
        body = {
            "user": user,
            "token": started.token,
            "expires_at": started.session.expires_at,
            "session": started.session,
        }
        context = {"current_session": started.session}
        return Response(
            RegisterResponseSerializer(body, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class LoginView(PublicAPIView):
    """Sign in with a username or mobile number and the password; get a token.

    Under the session policy the oldest live sessions end (listed in `ended_sessions`),
    or with `ON_LIMIT=refuse_new` the login is refused with 409 unless `force` is true.
    """

    @swagger_auto_schema(
        request_body=LoginSerializer,
        responses={200: LoginResponseSerializer, **error_responses(409)},
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("username"):
            credentials = {"username": data["username"]}
        else:
            credentials = {"mobile": data["mobile"].as_e164}
        origin = request_origin(request)
        account = account_key(**credentials)
        login_failures_check(account=account, ip=origin.ip_address)
        user = authenticate(request, password=data["password"], **credentials)
        if user is None:
            login_failure_record(account=account, ip=origin.ip_address, request=request)
            raise InvalidCredentials()
        login_failures_clear(account=account, ip=origin.ip_address)
        started = services.session_start(
            user=user,
            transport=Transport.TOKEN,
            login_method=LoginMethod.PASSWORD_API,
            force=data["force"],
            **origin._asdict(),
        )
        announce_token_login(request, started)
        body = {
            "user": user,
            "token": started.token,
            "expires_at": started.session.expires_at,
            "session": started.session,
            "ended_sessions": started.ended_sessions,
            "message": _login_message(len(started.ended_sessions)),
        }
        context = {"current_session": started.session}
        return Response(LoginResponseSerializer(body, context=context).data)


class LogoutView(APIView):
    """End the current session; its token or cookie is refused from now on."""

    @swagger_auto_schema(request_body=None, responses={204: "Logged out."})
    def post(self, request: Request) -> Response:
        logout_current_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change the password; every other session ends, this one stays signed in."""

    throttle_classes = [ClientIPThrottle]

    @swagger_auto_schema(
        request_body=PasswordChangeSerializer,
        responses={200: EndedCountSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(
            data=request.data, context={"user": request.user}
        )
        serializer.is_valid(raise_exception=True)
        ended = services.session_password_change(
            user=request.user,
            new_password=serializer.validated_data["new_password"],
            keep_session=request.auth,
        )
        rekey_after_password_change(request)
        return Response({"ended_count": len(ended)})


class PasswordResetView(PublicAPIView):
    """Email a one-time password-reset link; the answer is the same for any address."""

    @swagger_auto_schema(
        request_body=PasswordResetRequestSerializer, responses={200: MessageSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        confirm_url = request.build_absolute_uri(
            reverse("sessions:password-reset-confirm")
        )
        for user in user_list_for_password_reset(serializer.validated_data["email"]):
            user_send_password_reset(user=user, confirm_url=confirm_url)
        return Response(
            {
                "detail": _(
                    "If an account has this email address, a reset link is on its way."
                )
            }
        )


class PasswordResetConfirmView(PublicAPIView):
    """Set a new password with the uid and token of a reset mail; all sessions end."""

    @swagger_auto_schema(
        request_body=PasswordResetConfirmSerializer,
        responses={200: EndedCountSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ended = services.session_password_change(
            user=serializer.validated_data["user"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response({"ended_count": len(ended)})
