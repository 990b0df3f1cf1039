"""Staff tools: look anyone up by mobile number and end their sessions."""

from uuid import UUID

from django.utils.translation import gettext as _
from drf_yasg.utils import swagger_auto_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import user_get_by_mobile
from config.query_params import query_params
from sessions_app import selectors, services
from sessions_app.models import EndReason
from sessions_app.permissions import require_recent_step_up, staff_permissions
from sessions_app.serializers import (
    EndedSessionSerializer,
    SessionSerializer,
    StaffLookupQuerySerializer,
    StaffUserSessionsSerializer,
)

STAFF_LOOKUP_LIMIT = 100


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
            "active_sessions": selectors.session_list_for_user(user_id=user.pk),
        }
        if verbose:
            body["sessions"] = selectors.session_list_for_user(
                user_id=user.pk, status="all"
            )[:STAFF_LOOKUP_LIMIT]
        context = {"current_session": request.auth}
        return Response(StaffUserSessionsSerializer(body, context=context).data)


class StaffSessionView(APIView):
    """Staff: end anyone's session (reason `terminated_by_staff`).

    Ending another user's session needs a recent step-up (`reauthenticate`).
    """

    permission_classes = staff_permissions()

    @swagger_auto_schema(responses={200: EndedSessionSerializer})
    def delete(self, request: Request, pk: UUID) -> Response:
        session = selectors.session_get(pk)
        if session is None:
            raise NotFound()
        if session.user_id != request.user.pk:
            require_recent_step_up(request)
        services.session_end(session=session, reason=EndReason.TERMINATED_BY_STAFF)
        context = {"current_session": request.auth}
        return Response(
            {"ended_session": SessionSerializer(session, context=context).data}
        )
