"""Your own account: profile, sessions and security events."""

from typing import Any

from django.db.models import QuerySet
from drf_yasg import openapi
from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.serializers import ProfileUpdateSerializer
from accounts.services import (
    user_remove_email,
    user_request_email_change,
    user_update_profile,
)
from config.errors import InvalidCredentials
from config.query_params import query_params
from config.schema import ErrorSerializer
from config.throttling import ClientIPThrottle
from mfa.request_lifecycle import confirm_code
from sessions_app import selectors, services
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.permissions import require_recent_step_up
from sessions_app.request_lifecycle import confirm_password, logout_current_session
from sessions_app.serializers import (
    CurrentUserSerializer,
    EndAllSessionsQuerySerializer,
    EndedCountSerializer,
    EndedSessionSerializer,
    ReauthenticatedSerializer,
    ReauthenticateSerializer,
    SecurityEventSerializer,
    SessionListQuerySerializer,
    SessionSerializer,
    current_user_representation,
    security_event_representation,
    session_representation,
)


class MeView(APIView):
    """Your own account and the session making this request."""

    def _answer(
        self, request: Request, status_code: int = status.HTTP_200_OK
    ) -> Response:
        body = current_user_representation(request.user, session=request.auth)
        return Response(body, status=status_code)

    @swagger_auto_schema(responses={200: CurrentUserSerializer})
    def get(self, request: Request) -> Response:
        return self._answer(request)

    @swagger_auto_schema(
        request_body=ProfileUpdateSerializer,
        responses={
            200: CurrentUserSerializer,
            202: openapi.Response(
                "The new email waits for its link to be used (`pending_email`).",
                CurrentUserSerializer,
            ),
        },
    )
    def patch(self, request: Request) -> Response:
        """Change your name or time zone; an email change needs a recent step-up."""
        serializer = ProfileUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        email = changes.pop("email", None)
        user = request.user
        email_changes = email is not None and email.lower() != user.email.lower()
        if email_changes:
            require_recent_step_up(request)
        user_update_profile(user=user, **changes)
        if not email_changes:
            return self._answer(request)
        if not email:
            user_remove_email(user=user)
            return self._answer(request)
        user_request_email_change(user=user, new_email=email)
        return self._answer(request, status_code=status.HTTP_202_ACCEPTED)


class ReauthenticateView(APIView):
    """Confirm your password ("sudo mode"): sensitive changes pass for a while.

    Changing the email or two-factor settings and staff ending another user's session
    need it within `REAUTH_WINDOW`, else 403 `reauthentication_required`. With
    two-factor sign-in on, a `code` of the app does instead of the password. Wrong
    passwords and codes count in the failed-login limits.
    """

    throttle_classes = [ClientIPThrottle]

    @swagger_auto_schema(
        request_body=ReauthenticateSerializer,
        responses={
            200: ReauthenticatedSerializer,
            400: openapi.Response(
                "Invalid input: `invalid` (with `fields`), `invalid_credentials` (the "
                "password), `invalid_code` (the code), `parse_error`.",
                ErrorSerializer,
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ReauthenticateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "code" in data:  # two-factor sign-in on: a code of the app will do
            session = confirm_code(request, code=data["code"])
        elif confirm_password(
            request, password=data["password"], failure_kind=EventKind.REAUTH_FAILED
        ):
            session = services.session_reauthenticate(session=request.auth)
        else:
            raise InvalidCredentials()
        until = selectors.session_reauthenticated_until(session)
        return Response(
            ReauthenticatedSerializer({"reauthenticated_until": until}).data
        )


class SessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Your own sessions: list them, read one, end one or all of them."""

    serializer_class = SessionSerializer

    def get_queryset(self) -> QuerySet[UserSession]:
        if getattr(self, "swagger_fake_view", False):
            return UserSession.objects.none()
        status_filter = "all"
        if self.action == "list":
            status_filter = query_params(self.request, SessionListQuerySerializer)[
                "status"
            ]
        return selectors.session_list_for_user(
            user_id=self.request.user.pk, status=status_filter
        )

    def get_serializer_context(self) -> dict:
        return {
            **super().get_serializer_context(),
            "current_session": self.request.auth,
        }

    @swagger_auto_schema(query_serializer=SessionListQuerySerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # SessionSerializer's output, written out (the hot read-only answer).
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        current = request.auth
        return self.get_paginated_response(
            [session_representation(s, current_session=current) for s in page]
        )

    @swagger_auto_schema(
        operation_id="sessions_end", responses={200: EndedSessionSerializer}
    )
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """End one of your sessions; ending the current one is a logout."""
        session = self.get_object()
        if session.pk == request.auth.pk:
            session = logout_current_session(request)
        else:
            services.session_end(session=session, reason=EndReason.TERMINATED)
        return Response({"ended_session": self.get_serializer(session).data})

    @swagger_auto_schema(
        operation_id="sessions_end_all",
        query_serializer=EndAllSessionsQuerySerializer,
        responses={200: EndedCountSerializer},
    )
    def end_all(self, request: Request) -> Response:
        """End all your other sessions, and with keep_current=false this one too."""
        keep_current = query_params(request, EndAllSessionsQuerySerializer)[
            "keep_current"
        ]
        ended = services.session_end_others(
            user_id=request.user.pk,
            keep_session_id=request.auth.pk,
            reason=EndReason.TERMINATED,
        )
        if not keep_current:
            ended.append(logout_current_session(request))
        return Response({"ended_count": len(ended)})


class SecurityEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your account's security events, newest first."""

    serializer_class = SecurityEventSerializer

    def get_queryset(self) -> QuerySet[SecurityEvent]:
        if getattr(self, "swagger_fake_view", False):
            return SecurityEvent.objects.none()
        return selectors.security_event_list_for_user(user_id=self.request.user.pk)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # SecurityEventSerializer's output, written out (the hot read-only answer).
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            [security_event_representation(event) for event in page]
        )
