"""Who may act on two-factor sign-in, and the staff policy of two factors."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from config.app_settings import policy
from mfa import selectors
from mfa.exceptions import MfaRequired


class StaffPassedSecondFactor(BasePermission):
    """With `MFA_REQUIRED_FOR_STAFF`, refuse (403 `mfa_required`) a staff session
    that passed no second factor."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not policy.MFA_REQUIRED_FOR_STAFF or not request.user.is_staff:
            return True
        if selectors.session_passed_second_factor(request.auth):
            return True
        raise MfaRequired()


class CanResetMfa(BasePermission):
    """Staff holding `mfa.reset_totpdevice` (superusers hold every permission)."""

    message = _("You may not reset other users' two-factor sign-in.")
    code = "permission_denied"

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.user.has_perm("mfa.reset_totpdevice")
