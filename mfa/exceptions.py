"""The API errors of two-factor sign-in, and the sentences people read."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.errors import ApiError

INVALID_CODE_DETAIL = _("The code is not correct, or was already used.")
MFA_TOKEN_INVALID_DETAIL = _(
    "This sign-in has expired, was completed, or had too many wrong codes. "
    "Log in again with your password."
)
MFA_ALREADY_ENABLED_DETAIL = _(
    "Two-factor sign-in is already on. Turn it off first to set up a new device."
)
MFA_NOT_ENABLED_DETAIL = _("Two-factor sign-in is not on for this account.")
MFA_REQUIRED_DETAIL = _(
    "Staff must sign in with a second factor. Set up an authenticator app at "
    "POST /api/v1/auth/mfa/totp/setup/, then sign in again."
)


class InvalidCode(ApiError):
    """400: a wrong, replayed or already used code (TOTP or recovery)."""

    default_code = "invalid_code"
    default_detail = INVALID_CODE_DETAIL


class MfaTokenInvalid(ApiError):
    """400: the sign-in waiting for a second factor is unknown, over, or dead."""

    default_code = "mfa_token_invalid"
    default_detail = MFA_TOKEN_INVALID_DETAIL


class MfaAlreadyEnabled(ApiError):
    """409: a confirmed TOTP device exists; a new setup would silently replace it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "mfa_already_enabled"
    default_detail = MFA_ALREADY_ENABLED_DETAIL


class MfaNotEnabled(ApiError):
    """409: the account has no confirmed TOTP device to act on."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "mfa_not_enabled"
    default_detail = MFA_NOT_ENABLED_DETAIL


class MfaRequired(ApiError):
    """403: `MFA_REQUIRED_FOR_STAFF` and this staff session passed no second factor."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "mfa_required"
    default_detail = MFA_REQUIRED_DETAIL
