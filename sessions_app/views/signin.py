"""Signing in and out: register, login, logout, password change and reset."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import (
    user_get_by_mobile,
    user_get_by_reset_uid,
    user_get_by_username,
)
from accounts.serializers import (
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    SignupSerializer,
)
from accounts.services import user_request_password_reset, user_verify_email
from config.api_views import PublicAPIView
from config.errors import InvalidCredentials
from config.schema import error_responses
from config.throttling import ClientIPThrottle
from mfa.serializers import MfaRequiredSerializer
from mfa.services import mfa_login_begin
from sessions_app import selectors, services
from sessions_app.devices import request_origin
from sessions_app.models import EventKind, LoginMethod, Transport, UserSession
from sessions_app.request_lifecycle import (
    announce_token_login,
    confirm_password,
    logout_current_session,
    rekey_after_password_change,
)
from sessions_app.serializers import (
    EmailVerifiedSerializer,
    EmailVerifySerializer,
    EndedCountSerializer,
    LoginResponseSerializer,
    LoginSerializer,
    MessageSerializer,
    RegisterResponseSerializer,
)
from sessions_app.throttling import device_credential_issue, password_attempt


def login_message(ended_count: int) -> str:
    if not ended_count:
        return _("Logged in.")
    return ngettext(
        "Logged in. %(count)d other session was ended.",
        "Logged in. %(count)d other sessions were ended.",
        ended_count,
    ) % {"count": ended_count}


def password_login(request: Request, data: dict) -> User:
    """Return the user a validated `LoginSerializer` body names, under the limits.

    Every password sign-in through the API goes through here: 429 `throttled` once
    the failed-login limits trip (the slot is taken before the hasher runs), 400
    `invalid_credentials` for a wrong pair.
    """
    if data.get("username"):
        credentials = {"username": data["username"]}
        named = user_get_by_username(data["username"])
    else:
        credentials = {"mobile": data["mobile"].as_e164}
        named = user_get_by_mobile(credentials["mobile"])
    attempt = password_attempt(
        request, user=named, device_credential=data.get("device_token"), **credentials
    )
    attempt.reserve()
    if named is not None:  # the backend checks it without reading it again
        credentials["account"] = named
    user = authenticate(request, password=data["password"], **credentials)
    if user is None:
        attempt.failed(request)
        raise InvalidCredentials()
    attempt.succeeded()
    return user


def token_answer(session: UserSession, token: str, refresh_token: str) -> dict:
    """Return the token fields of a sign-in answer: both tokens and their deadlines."""
    return {
        "token": token,
        "expires_at": session.token_expires_at,
        "refresh_token": refresh_token,
        "refresh_expires_at": selectors.session_expires_at(session),
    }


def token_login_start(
    request: Request, user: User, force: bool
) -> services.SessionStart:
    """Start the token session of a sign-in whose every factor passed; announce it."""
    started = services.session_start(
        user=user,
        transport=Transport.TOKEN,
        login_method=LoginMethod.PASSWORD_API,
        force=force,
        **request_origin(request)._asdict(),
    )
    announce_token_login(request, started)
    return started


def token_login_answer(request: Request, started: services.SessionStart) -> Response:
    """Return the 200 answer of a token sign-in (password, or its second factor)."""
    user = started.session.user
    body = {
        "user": user,
        **token_answer(started.session, started.token, started.refresh_token),
        "session": started.session,
        "ended_sessions": started.ended_sessions,
        "message": login_message(len(started.ended_sessions)),
        "device_token": device_credential_issue(user),
    }
    context = {"current_session": started.session}
    return Response(LoginResponseSerializer(body, context=context).data)


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
            **token_answer(started.session, started.token, started.refresh_token),
            "session": started.session,
            "device_token": device_credential_issue(user),
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
    The access token (`token`) lasts until `expires_at` (or `IDLE_TIMEOUT` unused);
    `POST /api/v1/auth/token/refresh/` with `refresh_token` gives a new pair.
    """

    @swagger_auto_schema(
        request_body=LoginSerializer,
        responses={
            200: LoginResponseSerializer,
            202: openapi.Response(
                "Two-factor sign-in: no session yet; finish at "
                "POST /api/v1/auth/login/mfa/ with `mfa_token` and a code.",
                MfaRequiredSerializer,
            ),
            **error_responses(409),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = password_login(request, data)
        challenge = mfa_login_begin(
            user=user, transport=Transport.TOKEN, force=data["force"]
        )
        if challenge is not None:  # no session (nor policy) until the second factor
            return Response(
                MfaRequiredSerializer(challenge).data, status=status.HTTP_202_ACCEPTED
            )
        return token_login_answer(
            request, token_login_start(request, user, data["force"])
        )


class LogoutView(APIView):
    """End the current session; its token or cookie is refused from now on."""

    @swagger_auto_schema(request_body=None, responses={204: "Logged out."})
    def post(self, request: Request) -> Response:
        logout_current_session(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change the password; every other session ends, this one stays signed in.

    The right `current_password` is this change's step-up; wrong ones count in the
    failed-login limits.
    """

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
        if not confirm_password(
            request,
            password=serializer.validated_data["current_password"],
            failure_kind=EventKind.PASSWORD_CHANGE_FAILED,
        ):
            raise ValidationError(
                {"current_password": [_("The current password is not correct.")]}
            )
        ended = services.session_password_change(
            user=request.user,
            new_password=serializer.validated_data["new_password"],
            keep_session=request.auth,
        )
        rekey_after_password_change(request)
        return Response({"ended_count": len(ended)})


class PasswordResetView(PublicAPIView):
    """Email a one-time password-reset link to a verified address.

    The answer, and the work done in the request, are the same for any address: the
    lookup, the per-address limit and the mail happen in a task.
    """

    @swagger_auto_schema(
        request_body=PasswordResetRequestSerializer, responses={200: MessageSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user_request_password_reset(email=serializer.validated_data["email"])
        return Response(
            {
                "detail": _(
                    "If an account has this verified email address, "
                    "a reset link is on its way."
                )
            }
        )


class EmailVerifyView(PublicAPIView):
    """Confirm a new email address with the token from the link mailed to it."""

    @swagger_auto_schema(
        request_body=EmailVerifySerializer, responses={200: EmailVerifiedSerializer}
    )
    def post(self, request: Request) -> Response:
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = user_verify_email(token=serializer.validated_data["token"])
        return Response(EmailVerifiedSerializer(user).data)


class PasswordResetConfirmView(PublicAPIView):
    """Set a new password with the uid and token of a reset mail; all sessions end."""

    @swagger_auto_schema(
        request_body=PasswordResetConfirmSerializer,
        responses={200: EndedCountSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        uid = (
            str(request.data.get("uid", ""))[:64]
            if hasattr(request.data, "get")
            else ""
        )
        attempt = password_attempt(
            request, user=user_get_by_reset_uid(uid), username=f"reset:{uid}"
        )
        attempt.reserve()  # a wrong token is a guess at this account, like a password
        if not serializer.is_valid():
            if "token" in serializer.errors:
                attempt.failed(request)
            else:
                attempt.succeeded()
            raise ValidationError(serializer.errors)
        attempt.succeeded()
        ended = services.session_password_change(
            user=serializer.validated_data["user"],
            new_password=serializer.validated_data["new_password"],
        )
        return Response({"ended_count": len(ended)})
