"""The live-session permission, first in the default permissions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from rest_framework.permissions import BasePermission, IsAdminUser
from rest_framework.request import Request

if TYPE_CHECKING:  # rest_framework.views imports these permissions at start-up
    from rest_framework.views import APIView

from accounts.models import User
from sessions_app import selectors
from sessions_app.exceptions import ReauthenticationRequired, SessionEnded


class HasLiveSession(BasePermission):
    """Refuse a request that carried an ended session's credential, saying why."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        ended = getattr(request._request, "ended_user_session", None)
        if ended is not None:
            raise SessionEnded(reason=ended.end_reason)
        return True  # IsAuthenticated, listed next, handles anonymous users


def staff_permissions() -> list[type[BasePermission]]:
    """The default permissions (live session first), DRF's `IsAdminUser` (staff) and
    the staff policy of two factors (`MFA_REQUIRED_FOR_STAFF`, 403 `mfa_required`)."""
    from rest_framework.settings import api_settings

    from mfa.permissions import StaffPassedSecondFactor

    return [
        *api_settings.DEFAULT_PERMISSION_CLASSES,
        IsAdminUser,
        StaffPassedSecondFactor,
    ]


def require_recent_step_up(request: Request) -> None:
    """Refuse (403 `reauthentication_required`) unless the session stepped up lately."""
    if not selectors.session_has_recent_step_up(request.auth, now=timezone.now()):
        raise ReauthenticationRequired()


def may_end_sessions_of(actor: User, owner: User) -> bool:
    """Tell whether a staff member may end this user's sessions.

    It takes `sessions_app.end_usersession` (superusers have every permission), and
    only a superuser ends a superuser's sessions. The API and the admin ask here.
    """
    if owner.is_superuser and not actor.is_superuser:
        return False
    return actor.has_perm("sessions_app.end_usersession")
