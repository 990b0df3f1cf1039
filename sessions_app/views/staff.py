"""Staff tools: look anyone up, search sessions and events, end sessions."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get_by_mobile
from config.query_params import query_params
from mfa.selectors import mfa_is_enabled
from sessions_app import selectors, services
from sessions_app.models import EndReason, SecurityEvent, UserSession
from sessions_app.permissions import (
    may_end_sessions_of,
    require_recent_step_up,
    staff_permissions,
)
from sessions_app.serializers import (
    EndedSessionSerializer,
    SessionSerializer,
    StaffEventSearchQuerySerializer,
    StaffLookupQuerySerializer,
    StaffSecurityEventSerializer,
    StaffSessionSearchQuerySerializer,
    StaffSessionSerializer,
    StaffUserSessionsSerializer,
)

STAFF_LOOKUP_LIMIT = 100
CANNOT_END_DETAIL = _("You may not end this user's sessions.")


class StaffUserSessionsView(APIView):
    """Staff: look a user up by mobile number (any spelling) and list their sessions."""

    permission_classes = staff_permissions()
    always_verbose = False  # the original `/users/session/{mobile}/v/` route

    @swagger_auto_schema(
        query_serializer=StaffLookupQuerySerializer,
        responses={200: StaffUserSessionsSerializer},
    )
    def get(self, request: Request, mobile: str) -> Response:
        verbose = (
            self.always_verbose
            or query_params(request, StaffLookupQuerySerializer)["verbose"]
        )
        user = user_get_by_mobile(mobile)
        if user is None:
            raise NotFound(_("No user has this mobile number."))
        body = {
            "id": user.pk,
            "username": user.username,
            "mobile": user.mobile.as_e164,
            "mfa_enabled": mfa_is_enabled(user_id=user.pk),
            "active_sessions": selectors.session_list_for_user(user_id=user.pk),
        }
        if verbose:
            body["sessions"] = selectors.session_list_for_user(
                user_id=user.pk, status="all"
            )[:STAFF_LOOKUP_LIMIT]
        context = {"current_session": request.auth}
        return Response(StaffUserSessionsSerializer(body, context=context).data)


class StaffSessionView(APIView):
    """Staff: end a user's session (reason `terminated_by_staff`, the actor recorded).

    It takes the `sessions_app.end_usersession` permission (a superuser's sessions:
    superusers only), and for another user's session a recent step-up.
    """

    permission_classes = staff_permissions()

    @swagger_auto_schema(responses={200: EndedSessionSerializer})
    def delete(self, request: Request, pk: UUID) -> Response:
        session = selectors.session_get(pk)
        if session is None:
            raise NotFound()
        if not may_end_sessions_of(request.user, session.user):
            raise PermissionDenied(CANNOT_END_DETAIL)
        if session.user_id != request.user.pk:
            require_recent_step_up(request)
        services.session_end(
            session=session,
            reason=EndReason.TERMINATED_BY_STAFF,
            detail={"actor": services.actor_detail(request.user)},
        )
        context = {"current_session": request.auth}
        return Response(
            {"ended_session": SessionSerializer(session, context=context).data}
        )


class StaffSessionSearchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Staff: search everyone's sessions, newest first; every filter is optional.

    `ip` takes an address, or a CIDR range on PostgreSQL; `device` matches part of the
    device name or user agent (trigram indexes on PostgreSQL).
    """

    permission_classes = staff_permissions()
    serializer_class = StaffSessionSerializer

    def get_queryset(self) -> QuerySet[UserSession]:
        if getattr(self, "swagger_fake_view", False):
            return UserSession.objects.none()
        filters = query_params(self.request, StaffSessionSearchQuerySerializer)
        return selectors.session_search(**filters)

    def get_serializer_context(self) -> dict:
        return {
            **super().get_serializer_context(),
            "current_session": self.request.auth,
        }

    @swagger_auto_schema(query_serializer=StaffSessionSearchQuerySerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class StaffEventSearchViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Staff: search everyone's security events, newest first; filters optional.

    `ip` takes an address, or a CIDR range on PostgreSQL.
    """

    permission_classes = staff_permissions()
    serializer_class = StaffSecurityEventSerializer

    def get_queryset(self) -> QuerySet[SecurityEvent]:
        if getattr(self, "swagger_fake_view", False):
            return SecurityEvent.objects.none()
        filters = query_params(self.request, StaffEventSearchQuerySerializer)
        return selectors.security_event_search(**filters)

    @swagger_auto_schema(query_serializer=StaffEventSearchQuerySerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
