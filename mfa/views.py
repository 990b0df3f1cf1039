"""Two-factor sign-in over the API: enrol, sign in with a code, staff reset."""

from collections.abc import Callable
from functools import partial

from django.utils.translation import gettext as _
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get_by_mobile
from config.api_views import PublicAPIView
from config.schema import ErrorSerializer, error_responses
from mfa import selectors, services
from mfa.exceptions import MfaTokenInvalid
from mfa.permissions import CanResetMfa
from mfa.request_lifecycle import code_attempt
from mfa.serializers import (
    MfaLoginSerializer,
    MfaStatusSerializer,
    RecoveryCodesSerializer,
    TotpConfirmSerializer,
    TotpSetupSerializer,
)
from sessions_app.authentication import CookieSessionAuthentication
from sessions_app.devices import request_origin
from sessions_app.models import Transport
from sessions_app.permissions import require_recent_step_up, staff_permissions
from sessions_app.serializers import (
    BrowserLoginResponseSerializer,
    LoginResponseSerializer,
)
from sessions_app.services import SessionStart
from sessions_app.views.signin import token_login_answer, token_login_start
from sessions_app.views.spa import cookie_login_answer, cookie_login_start


def _error(status_code: int, description: str) -> dict[int, openapi.Response]:
    return {status_code: openapi.Response(description, ErrorSerializer)}


INVALID_CODE = _error(
    400, "Invalid input: `invalid` (with `fields`), `invalid_code`, `parse_error`."
)
STEP_UP_REQUIRED = _error(
    403,
    "Not signed in with a live session (`session_*`, `account_disabled`), or no "
    "recent step-up: `reauthentication_required`.",
)
ALREADY_ENABLED = _error(
    409, "Two-factor sign-in is already on: `mfa_already_enabled`."
)
NOT_ENABLED = _error(409, "Two-factor sign-in is off: `mfa_not_enabled`.")


class MfaStatusView(APIView):
    """Whether your account signs in with two factors, and recovery codes left."""

    @swagger_auto_schema(responses={200: MfaStatusSerializer})
    def get(self, request: Request) -> Response:
        body = selectors.mfa_status(user_id=request.user.pk)
        return Response(MfaStatusSerializer(body).data)


class TotpSetupView(APIView):
    """Start enrolling an authenticator app: a new secret, its otpauth URL and QR code.

    The secret is shown this once and waits for `totp/confirm/`; a new setup replaces
    a pending one. Needs a step-up (`POST /api/v1/auth/reauthenticate/`) within
    `REAUTH_WINDOW`, else 403 `reauthentication_required`.
    """

    @swagger_auto_schema(
        request_body=None,
        responses={200: TotpSetupSerializer, **STEP_UP_REQUIRED, **ALREADY_ENABLED},
    )
    def post(self, request: Request) -> Response:
        require_recent_step_up(request)
        setup = services.totp_setup(user=request.user)
        return Response(TotpSetupSerializer(setup._asdict()).data)


class TotpConfirmView(APIView):
    """Turn two-factor sign-in on with the first code of the app just set up.

    Answers the ten recovery codes, shown this once. Needs a step-up within
    `REAUTH_WINDOW`, else 403 `reauthentication_required`.
    """

    @swagger_auto_schema(
        request_body=TotpConfirmSerializer,
        responses={
            200: RecoveryCodesSerializer,
            **INVALID_CODE,
            **STEP_UP_REQUIRED,
            **_error(
                409,
                "Already on (`mfa_already_enabled`), or no setup waits for a code "
                "(`mfa_not_enabled`).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TotpConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        require_recent_step_up(request)
        codes = services.totp_confirm(
            user=request.user,
            code=serializer.validated_data["code"],
            session=request.auth,
        )
        return Response(RecoveryCodesSerializer({"recovery_codes": codes}).data)


class TotpView(APIView):
    """Turn two-factor sign-in off: the app's secret and the recovery codes go.

    Needs a step-up within `REAUTH_WINDOW`, else 403 `reauthentication_required`.
    """

    @swagger_auto_schema(
        operation_id="auth_mfa_totp_delete",
        responses={
            204: "Two-factor sign-in is off.",
            **STEP_UP_REQUIRED,
            **NOT_ENABLED,
        },
    )
    def delete(self, request: Request) -> Response:
        require_recent_step_up(request)
        services.totp_disable(user=request.user, session=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecoveryCodesView(APIView):
    """Replace your recovery codes with ten new ones (shown this once); the old die.

    Needs a step-up within `REAUTH_WINDOW`, else 403 `reauthentication_required`.
    """

    @swagger_auto_schema(
        request_body=None,
        responses={200: RecoveryCodesSerializer, **STEP_UP_REQUIRED, **NOT_ENABLED},
    )
    def post(self, request: Request) -> Response:
        require_recent_step_up(request)
        codes = services.recovery_codes_regenerate(
            user=request.user, session=request.auth
        )
        return Response(RecoveryCodesSerializer({"recovery_codes": codes}).data)


def _finish_login(
    request: Request, transport: str, start: Callable[..., SessionStart]
) -> SessionStart:
    """Check the second factor of a pending login and start its session (either
    transport): 400 `mfa_token_invalid` for an unknown token, `invalid_code` for a
    wrong code, under the guessing limits."""
    serializer = MfaLoginSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    user = selectors.mfa_login_pending_user(
        token=data["mfa_token"], transport=transport
    )
    if user is None:
        raise MfaTokenInvalid()
    with code_attempt(request, user=user, device_credential=data.get("device_token")):
        return services.mfa_login_finish(
            mfa_token=data["mfa_token"],
            transport=transport,
            start=partial(start, request),
            code=data.get("code"),
            recovery_code=data.get("recovery_code"),
            force=data["force"],
            **request_origin(request)._asdict(),
        )


class LoginMfaView(PublicAPIView):
    """Finish a sign-in with two factors: the 202's `mfa_token` and one code.

    `code` (the app's 6 digits) or `recovery_code`; the answer is the login's. A
    wrong code is 400 `invalid_code` and counts in the failed-login limits; the token
    dies after 5 of them, after 5 minutes and once used (400 `mfa_token_invalid`). A
    409 `session_limit_reached` keeps the token and code unused: send again with
    `force`.
    """

    @swagger_auto_schema(
        request_body=MfaLoginSerializer,
        responses={
            200: LoginResponseSerializer,
            **_error(
                400,
                "Invalid input: `invalid` (with `fields`), `invalid_code`, "
                "`mfa_token_invalid`, `parse_error`.",
            ),
            **error_responses(409),
        },
    )
    def post(self, request: Request) -> Response:
        started = _finish_login(request, Transport.TOKEN, token_login_start)
        return token_login_answer(request, started)


class SpaLoginMfaView(PublicAPIView):
    """Finish a single-page app's sign-in with two factors; get the cookie.

    The 202's `mfa_token` and one code, with the `X-CSRFToken` header as at
    `browser/login/`; the answer is that login's (no token in the body). Wrong
    codes, the token's lifetime and `force` work as at `POST /api/v1/auth/login/mfa/`.
    """

    @swagger_auto_schema(
        request_body=MfaLoginSerializer,
        responses={
            200: BrowserLoginResponseSerializer,
            **_error(
                400,
                "Invalid input: `invalid` (with `fields`), `invalid_code`, "
                "`mfa_token_invalid`, `parse_error`.",
            ),
            **error_responses(403, 409),
        },
    )
    def post(self, request: Request) -> Response:
        CookieSessionAuthentication().enforce_csrf(request)  # as the password step
        started = _finish_login(request, Transport.COOKIE, cookie_login_start)
        return cookie_login_answer(started)


class StaffMfaResetView(APIView):
    """Staff: turn off the two-factor sign-in of a user who lost the device.

    Needs the `mfa.reset_totpdevice` permission (a superuser's: superusers only) and a
    step-up within `REAUTH_WINDOW`. The user's events record `mfa_reset` with the actor.
    """

    permission_classes = [*staff_permissions(), CanResetMfa]

    @swagger_auto_schema(
        operation_id="users_mfa_reset",
        tags=["staff"],
        responses={
            204: "Two-factor sign-in of the user is off.",
            **_error(
                403,
                "Not staff, or without the permission (`permission_denied`); no "
                "recent step-up (`reauthentication_required`); an ended session "
                "(`session_*`, `account_disabled`); staff policy (`mfa_required`).",
            ),
            **NOT_ENABLED,
        },
    )
    def delete(self, request: Request, mobile: str) -> Response:
        user = user_get_by_mobile(mobile)
        if user is None:
            raise NotFound(_("No user has this mobile number."))
        if user.is_superuser and not request.user.is_superuser:
            raise PermissionDenied(_("Only a superuser may reset a superuser's."))
        require_recent_step_up(request)
        services.totp_disable(user=user, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
