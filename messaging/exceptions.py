"""The API errors of messaging, and the sentences users read."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from config.errors import ApiError

BLOCKED_DETAIL = _("This user does not accept your messages.")
ALREADY_BLOCKED_DETAIL = _("You have already blocked this user.")


class MessageBlocked(ApiError):
    """403: the receiver has blocked the sender; nothing is stored."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "blocked"
    default_detail = BLOCKED_DETAIL


class AlreadyBlocked(ApiError):
    """409: the blocker has blocked this member already."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "already_blocked"
    default_detail = ALREADY_BLOCKED_DETAIL
