"""The API errors of the session lifecycle, and the sentences users read."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status

from config.errors import ApiError
from sessions_app.models import EndReason

SUPERSEDED_DETAIL = _(
    "There is already another session up and running, please logout and login again."
)
TERMINATED_DETAIL = _("This session was signed out from another device.")
TERMINATED_BY_STAFF_DETAIL = _("This session was ended by an administrator.")
EXPIRED_DETAIL = _("This session has expired. Please log in again.")
LOGGED_OUT_DETAIL = _("This session has been logged out.")
PASSWORD_CHANGED_DETAIL = _("The password was changed. Please log in again.")
ACCOUNT_DISABLED_DETAIL = _("This account has been disabled.")
TOKEN_REUSED_DETAIL = _(
    "This session was ended because an old sign-in token was used again. "
    "Please log in again."
)
TOKEN_EXPIRED_DETAIL = _(
    "This access token has expired. Get a new one from POST "
    "/api/v1/auth/token/refresh/ with the refresh token."
)
REFRESH_TOKEN_INVALID_DETAIL = _("Invalid refresh token.")
REFRESH_CONFLICT_DETAIL = _(
    "This refresh token was exchanged a moment ago: use the tokens that answer "
    "gave. Sent again later, it ends the session."
)
SESSION_LIMIT_DETAIL = _(
    "There is already a session up and running. Please log out and log in again, "
    'or sign in with "force": true to end the other session.'
)

# end reason -> (403 code, sentence) for a request carrying that session's credential
ENDED_SESSION_ERRORS = {
    EndReason.SUPERSEDED: ("session_superseded", SUPERSEDED_DETAIL),
    EndReason.TERMINATED: ("session_terminated", TERMINATED_DETAIL),
    EndReason.TERMINATED_BY_STAFF: ("session_terminated", TERMINATED_BY_STAFF_DETAIL),
    EndReason.EXPIRED: ("session_expired", EXPIRED_DETAIL),
    EndReason.LOGOUT: ("session_logged_out", LOGGED_OUT_DETAIL),
    EndReason.PASSWORD_CHANGED: ("session_password_changed", PASSWORD_CHANGED_DETAIL),
    EndReason.USER_DEACTIVATED: ("account_disabled", ACCOUNT_DISABLED_DETAIL),
    EndReason.TOKEN_REUSED: ("session_revoked", TOKEN_REUSED_DETAIL),
}


class SessionEnded(ApiError):
    """403 for a credential whose session has ended, saying why."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "session_ended"
    default_detail = _("This session has ended. Please log in again.")

    def __init__(self, reason: str) -> None:
        code, detail = ENDED_SESSION_ERRORS.get(
            reason, (self.default_code, self.default_detail)
        )
        super().__init__(detail=detail, code=code)


class SessionLimitReached(ApiError):
    """409: the policy refuses a new session while the others are live."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "session_limit_reached"
    default_detail = SESSION_LIMIT_DETAIL


class TokenExpired(exceptions.AuthenticationFailed):
    """401: an access token past `TOKEN_TTL` or `IDLE_TIMEOUT`; its session lives on."""

    default_code = "token_expired"
    default_detail = TOKEN_EXPIRED_DETAIL


class RefreshTokenInvalid(exceptions.AuthenticationFailed):
    """401: a refresh token we did not issue, or whose session is gone."""

    default_detail = REFRESH_TOKEN_INVALID_DETAIL


class RefreshConflict(ApiError):
    """409: the refresh token just rotated came again within `REFRESH_REUSE_GRACE`."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "refresh_conflict"
    default_detail = REFRESH_CONFLICT_DETAIL


REAUTHENTICATION_REQUIRED_DETAIL = _("Confirm your password to continue.")


class ReauthenticationRequired(ApiError):
    """403: a sensitive change needs a step-up within `REAUTH_WINDOW`."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "reauthentication_required"
    default_detail = REAUTHENTICATION_REQUIRED_DETAIL
