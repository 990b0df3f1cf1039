"""Reads of activity periods and of members with their periods."""

from datetime import datetime
from uuid import UUID

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import User
from activity.models import ActivityPeriod


def activity_period_list_overlapping(
    *, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[ActivityPeriod]:
    """Return periods overlapping [start, end); an open period runs until now."""
    periods = ActivityPeriod.objects.all()
    if end is not None:
        periods = periods.filter(start_time__lt=end)
    if start is not None:
        running = Q(end_time__gt=start)
        if start < timezone.now():
            running |= Q(end_time__isnull=True)
        periods = periods.filter(running)
    return periods


def activity_period_list_for_user(
    *, user_id: UUID, start: datetime | None = None, end: datetime | None = None
) -> QuerySet[ActivityPeriod]:
    """Return one user's periods overlapping the span if given, newest first."""
    return (
        activity_period_list_overlapping(start=start, end=end)
        .filter(user_id=user_id)
        .select_related("user")
        .order_by("-start_time", "-id")
    )


def member_list_with_periods(
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    user: UUID | None = None,
) -> QuerySet[User]:
    """Return members by username, with their periods (oldest first) in one more query.

    With a span, only members with a period overlapping it, and only those periods.
    """
    periods = activity_period_list_overlapping(start=start, end=end)
    members = User.objects.only("id", "username", "real_name", "tz")
    if user is not None:
        members = members.filter(pk=user)
    if start is not None or end is not None:
        members = members.filter(Exists(periods.filter(user_id=OuterRef("pk"))))
    return members.order_by(Lower("username")).prefetch_related(
        Prefetch(
            "activity_periods",
            queryset=periods.only("id", "user_id", "start_time", "end_time").order_by(
                "start_time", "id"
            ),
        )
    )
