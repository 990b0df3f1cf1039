"""Activity endpoints: members with their periods (staff), and one's own periods."""

from typing import Any

from django.db.models import QuerySet
from drf_yasg.utils import swagger_auto_schema
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from activity import selectors
from activity.models import ActivityPeriod
from activity.serializers import (
    ActivityFilterSerializer,
    ActivityPeriodSerializer,
    LegacyMemberPageSerializer,
    MemberFilterSerializer,
    MemberPageSerializer,
    MemberSerializer,
)
from config.pagination import PageNumberPagination
from config.query_params import query_params
from sessions_app.permissions import staff_permissions


class MemberPagination(PageNumberPagination):
    """`{"ok": true, count, next, previous, members}`."""

    def get_paginated_response(self, data: list[dict[str, Any]]) -> Response:
        return Response(
            {
                "ok": True,
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "members": data,
            }
        )


class LegacyMemberPagination(PageNumberPagination):
    """The original route: pages of 100 members, `{"ok": true, members}` (+ `next`)."""

    page_size = 100
    page_size_query_param = None

    def get_paginated_response(self, data: list[dict[str, Any]]) -> Response:
        body = {"ok": True, "members": data}
        if self.page.has_next():
            body["next"] = self.get_next_link()
        return Response(body)


class MemberViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """List members and their activity periods, times in each member's own time zone.

    `date` (a UTC day) or `start`/`end` keep the members with a period overlapping that
    span, and only those periods; `user` keeps one member. Staff only.
    """

    permission_classes = staff_permissions()
    serializer_class = MemberSerializer
    pagination_class = MemberPagination

    def get_queryset(self) -> QuerySet[User]:
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        filters = query_params(self.request, MemberFilterSerializer)
        return selectors.member_list_with_periods(**filters)

    @swagger_auto_schema(
        query_serializer=MemberFilterSerializer,
        responses={200: MemberPageSerializer},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class LegacyMemberViewSet(MemberViewSet):
    """The original `activity_record/members/`: the first 100 members, then `next`."""

    pagination_class = LegacyMemberPagination

    @swagger_auto_schema(
        query_serializer=MemberFilterSerializer,
        responses={200: LegacyMemberPageSerializer},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class MyActivityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """List your own activity periods, newest first, in your time zone."""

    serializer_class = ActivityPeriodSerializer

    def get_queryset(self) -> QuerySet[ActivityPeriod]:
        if getattr(self, "swagger_fake_view", False):
            return ActivityPeriod.objects.none()
        filters = query_params(self.request, ActivityFilterSerializer)
        return selectors.activity_period_list_for_user(
            user_id=self.request.user.pk, **filters
        )

    @swagger_auto_schema(query_serializer=ActivityFilterSerializer)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)
